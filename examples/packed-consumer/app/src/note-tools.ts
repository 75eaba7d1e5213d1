// Two tools of the app's own: a zod input and a class-validator DTO input. Schemas are explicit
// (`input:`), so the app also runs where decorator metadata is not emitted (tsx, esbuild).
import { type AlterContext, AlterTool } from '@alter/mcp';
import { IsString, Length } from 'class-validator';
import { z } from 'zod';

const countInput = z.object({ text: z.string().describe('Any text.') });

export class NoteDto {
  @IsString()
  @Length(1, 40)
  title!: string;
}

export class NoteTools {
  @AlterTool({ description: 'Count the words of a text.', input: countInput })
  async countWords(_ctx: AlterContext, { text }: z.output<typeof countInput>) {
    return { words: text.split(/\s+/).filter(Boolean).length };
  }

  @AlterTool({ description: 'Echo a note title, validated by a class-validator DTO.', input: NoteDto })
  async echoNote(_ctx: AlterContext, note: NoteDto) {
    return { title: note.title, isDto: note instanceof NoteDto };
  }
}
