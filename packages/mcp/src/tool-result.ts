/**
 * `ToolResult`: return it from a tool to send MCP content other than text/JSON (images, audio,
 * embedded resources, several items). Anything else a tool returns is mapped for you: a string
 * becomes text content; an object becomes JSON text (plus `structuredContent` with `output`).
 */

/** One MCP content item (text, image, audio, resource, resource_link), passed through as is. */
export type ToolContent =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'image'; readonly data: string; readonly mimeType: string }
  | { readonly type: 'audio'; readonly data: string; readonly mimeType: string }
  | {
      readonly type: 'resource';
      readonly resource: { readonly uri: string; readonly mimeType?: string; readonly text?: string; readonly blob?: string };
    }
  | {
      readonly type: 'resource_link';
      readonly uri: string;
      readonly name: string;
      readonly mimeType?: string;
      readonly description?: string;
    };

/** A tool result given explicitly. Create it with the static helpers. */
export class ToolResult {
  readonly content: readonly ToolContent[];
  readonly structuredContent: Readonly<Record<string, unknown>> | undefined;
  readonly isError: boolean;

  private constructor(content: readonly ToolContent[], structuredContent: Readonly<Record<string, unknown>> | undefined, isError: boolean) {
    this.content = Object.freeze([...content]);
    this.structuredContent = structuredContent;
    this.isError = isError;
    Object.freeze(this);
  }

  /**
   * Any list of content items.
   * @example
   * return ToolResult.of([ToolResult.textItem('A red pixel:'), ToolResult.imageItem(png, 'image/png')]);
   */
  static of(
    content: readonly ToolContent[],
    options: { structuredContent?: Readonly<Record<string, unknown>>; isError?: boolean } = {},
  ): ToolResult {
    if (!Array.isArray(content)) throw new TypeError('ToolResult.of(content): content must be an array of MCP content items');
    return new ToolResult(content, options.structuredContent, options.isError ?? false);
  }
  /** A text result. */
  static text(text: string): ToolResult {
    return new ToolResult([ToolResult.textItem(text)], undefined, false);
  }
  /** An error result the model sees (`isError: true`) — for expected failures ("channel not found"). */
  static error(text: string): ToolResult {
    return new ToolResult([ToolResult.textItem(text)], undefined, true);
  }
  /** An image result (`data` is base64). */
  static image(data: string, mimeType: string): ToolResult {
    return new ToolResult([ToolResult.imageItem(data, mimeType)], undefined, false);
  }
  /** An audio result (`data` is base64). */
  static audio(data: string, mimeType: string): ToolResult {
    return new ToolResult([{ type: 'audio', data, mimeType }], undefined, false);
  }
  /** An embedded-resource result. */
  static resource(resource: { uri: string; mimeType?: string; text?: string; blob?: string }): ToolResult {
    return new ToolResult([{ type: 'resource', resource: { ...resource } }], undefined, false);
  }
  static textItem(text: string): ToolContent {
    return { type: 'text', text };
  }
  static imageItem(data: string, mimeType: string): ToolContent {
    return { type: 'image', data, mimeType };
  }
  static audioItem(data: string, mimeType: string): ToolContent {
    return { type: 'audio', data, mimeType };
  }
  static resourceItem(resource: { uri: string; mimeType?: string; text?: string; blob?: string }): ToolContent {
    return { type: 'resource', resource: { ...resource } };
  }
}
