import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  commentSchema,
  issueSchema,
  pickComment,
  pickIssue,
  pickPullRequest,
  pickRepo,
  pullRequestSchema,
  repoSchema,
} from '../../src/internal/github-shapes.js';

// Whatever GitHub sends back, each tool's result must still match its declared output schema.
const FIELDS = [
  'id',
  'name',
  'full_name',
  'owner',
  'private',
  'description',
  'html_url',
  'default_branch',
  'fork',
  'archived',
  'language',
  'stargazers_count',
  'open_issues_count',
  'updated_at',
  'number',
  'title',
  'state',
  'user',
  'labels',
  'assignees',
  'comments',
  'body',
  'pull_request',
  'created_at',
  'draft',
  'merged',
  'mergeable',
  'head',
  'base',
  'additions',
  'deletions',
  'changed_files',
  'commits',
  'review_comments',
  'merged_at',
];
const odd = fc.oneof(
  fc.anything(),
  fc.record({ login: fc.anything(), name: fc.anything(), ref: fc.anything(), sha: fc.anything() }),
  fc.array(fc.oneof(fc.anything(), fc.record({ login: fc.anything(), name: fc.anything() }))),
);
const payload = fc.oneof(fc.dictionary(fc.constantFrom(...FIELDS), odd), fc.anything());

describe('GitHub response pickers', () => {
  for (const [name, pick, schema] of [
    ['pickRepo', pickRepo, repoSchema],
    ['pickIssue', pickIssue, issueSchema],
    ['pickPullRequest', pickPullRequest, pullRequestSchema],
    ['pickComment', pickComment, commentSchema],
  ] as const) {
    it(`${name} never throws and always matches its output schema`, () => {
      fc.assert(
        fc.property(payload, (raw) => {
          expect(schema.safeParse((pick as (r: unknown) => unknown)(raw)).success).toBe(true);
        }),
        // Always tried first: a counterexample a random run once found (seed -304710801).
        { numRuns: 400, examples: [[{ id: Number.POSITIVE_INFINITY }], [{ number: Number.NaN, comments: Number.NEGATIVE_INFINITY }]] },
      );
    });
  }

  it('pickIssue flags pull requests and flattens labels and assignees', () => {
    expect(
      pickIssue({
        number: 3,
        title: 'T',
        state: 'open',
        labels: [{ name: 'bug' }, 'docs', null],
        assignees: [{ login: 'bob' }, {}],
        pull_request: {},
      }),
    ).toMatchObject({
      number: 3,
      labels: ['bug', 'docs'],
      assignees: ['bob'],
      isPullRequest: true,
    });
  });
});
