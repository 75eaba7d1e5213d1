import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { type Sandbox, startSandbox } from '@alter/testing';
import { api, type CallbackServer, startCallbackServer, tokenFor } from './support/oauth-flow.js';

const GH = 'https://api.github.com';

let sandbox: Sandbox;
let callback: CallbackServer;
let repoToken: string;
let userToken: string;
let publicToken: string;
let bobRepoToken: string;

// A fresh sandbox (and so a fresh fake GitHub, seeded with the same repos and issues) for each
// test: several tests create, close or comment on issues, and the others expect the seed data, so
// one shared sandbox made the results depend on the order the tests ran in (jest --randomize).
beforeEach(async () => {
  sandbox = await startSandbox();
  callback = await startCallbackServer();
  sandbox.registerRedirectUri(callback.url);
  repoToken = (await tokenFor(sandbox, callback, 'github', ['repo', 'read:user'])).access_token;
  userToken = (await tokenFor(sandbox, callback, 'github', ['read:user'])).access_token;
  publicToken = (await tokenFor(sandbox, callback, 'github', ['public_repo'])).access_token;
  bobRepoToken = (await tokenFor(sandbox, callback, 'github', ['repo'], 'bob')).access_token;
});
afterEach(async () => {
  await sandbox.close();
  await callback.close();
});

describe('fake GitHub REST', () => {
  it('answers 401 "Requires authentication" without a token and "Bad credentials" with a bad one', async () => {
    const none = await api(sandbox, 'GET', `${GH}/user`, undefined);
    expect(none.status).toBe(401);
    expect(none.json).toEqual({ message: 'Requires authentication', documentation_url: expect.any(String), status: '401' });
    const bad = await api(sandbox, 'GET', `${GH}/user`, 'gho_bogus');
    expect(bad.json.message).toBe('Bad credentials');
  });

  it('returns the authenticated user, with the email only under read:user', async () => {
    const res = await api(sandbox, 'GET', `${GH}/user`, userToken);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      login: 'alice',
      id: 10001,
      type: 'User',
      name: 'Alice Sandbox',
      email: 'alice@sandbox.test',
      html_url: 'https://github.com/alice',
    });
    expect(res.headers.get('x-oauth-scopes')).toBe('read:user');
    const noEmail = await api(sandbox, 'GET', `${GH}/user`, publicToken);
    expect(noEmail.json.email).toBeNull();
  });

  it('lists private repos only with the repo scope', async () => {
    const all = await api(sandbox, 'GET', `${GH}/user/repos`, repoToken);
    expect(all.json.map((r: { full_name: string }) => r.full_name)).toEqual(['alice/hello-world', 'alice/private-notes']);
    expect(all.json[1]).toMatchObject({ private: true, visibility: 'private', owner: { login: 'alice' }, default_branch: 'main' });
    const pub = await api(sandbox, 'GET', `${GH}/user/repos`, userToken);
    expect(pub.json.map((r: { full_name: string }) => r.full_name)).toEqual(['alice/hello-world']);
  });

  it('hides a private repo (404) from a token without repo scope or another user', async () => {
    expect((await api(sandbox, 'GET', `${GH}/repos/alice/private-notes`, repoToken)).status).toBe(200);
    expect((await api(sandbox, 'GET', `${GH}/repos/alice/private-notes`, userToken)).status).toBe(404);
    expect((await api(sandbox, 'GET', `${GH}/repos/alice/private-notes`, bobRepoToken)).json).toMatchObject({
      message: 'Not Found',
      status: '404',
    });
  });

  it('lists issues (including pull requests) and pulls with state filters', async () => {
    const open = await api(sandbox, 'GET', `${GH}/repos/alice/hello-world/issues`, userToken);
    expect(open.status).toBe(200);
    expect(open.json.map((i: { number: number }) => i.number)).toEqual([3, 1]);
    expect(open.json[0].pull_request).toBeDefined();
    expect(open.json[1]).toMatchObject({
      title: 'Found a bug',
      state: 'open',
      labels: [expect.objectContaining({ name: 'bug' })],
      user: { login: 'alice' },
      comments: 1,
    });
    const all = await api(sandbox, 'GET', `${GH}/repos/alice/hello-world/issues?state=all`, userToken);
    expect(all.json).toHaveLength(3);
    const pulls = await api(sandbox, 'GET', `${GH}/repos/alice/hello-world/pulls`, userToken);
    expect(pulls.json).toHaveLength(1);
    expect(pulls.json[0]).toMatchObject({
      number: 3,
      title: 'Add README',
      head: { ref: 'add-readme' },
      base: { ref: 'main' },
      merged: false,
    });
    expect((await api(sandbox, 'GET', `${GH}/repos/alice/hello-world/issues?state=weird`, userToken)).status).toBe(422);
    const asc = await api(sandbox, 'GET', `${GH}/repos/alice/hello-world/issues?state=all&direction=asc`, userToken);
    expect(asc.json.map((i: { number: number }) => i.number)).toEqual([1, 2, 3]);
    const unassigned = await api(sandbox, 'GET', `${GH}/repos/alice/hello-world/issues?assignee=alice`, userToken);
    expect(unassigned.json).toEqual([]);
  });

  it('creates an issue (201) that shows up in later lists; 403 without a write scope', async () => {
    const denied = await api(sandbox, 'POST', `${GH}/repos/alice/hello-world/issues`, userToken, { title: 'Nope' });
    expect(denied.status).toBe(403);
    expect(denied.json).toMatchObject({ message: 'Resource not accessible by integration', status: '403' });
    expect(denied.headers.get('x-accepted-oauth-scopes')).toBe('public_repo, repo');

    const created = await api(sandbox, 'POST', `${GH}/repos/alice/hello-world/issues`, publicToken, {
      title: 'From the sandbox',
      body: 'Hello',
      labels: ['triage'],
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      number: 4,
      title: 'From the sandbox',
      body: 'Hello',
      state: 'open',
      html_url: 'https://github.com/alice/hello-world/issues/4',
    });
    expect(created.headers.get('location')).toBe('https://api.github.com/repos/alice/hello-world/issues/4');
    const list = await api(sandbox, 'GET', `${GH}/repos/alice/hello-world/issues?labels=triage`, userToken);
    expect(list.json.map((i: { number: number }) => i.number)).toEqual([4]);
  });

  it('needs repo (not public_repo) to write to a private repo', async () => {
    expect((await api(sandbox, 'POST', `${GH}/repos/alice/private-notes/issues`, publicToken, { title: 'x' })).status).toBe(404);
    expect((await api(sandbox, 'POST', `${GH}/repos/alice/private-notes/issues`, repoToken, { title: 'x' })).status).toBe(201);
  });

  it('validates issue bodies with 422 Validation Failed and malformed JSON with 400', async () => {
    const noTitle = await api(sandbox, 'POST', `${GH}/repos/alice/hello-world/issues`, repoToken, { body: 'x' });
    expect(noTitle.status).toBe(422);
    expect(noTitle.json).toMatchObject({
      message: 'Validation Failed',
      errors: [{ resource: 'Issue', code: 'missing_field', field: 'title' }],
    });
    const badLabels = await api(sandbox, 'POST', `${GH}/repos/alice/hello-world/issues`, repoToken, { title: 'x', labels: 'bug' });
    expect(badLabels.json.errors[0]).toMatchObject({ field: 'labels', code: 'invalid' });
    const badAssignee = await api(sandbox, 'POST', `${GH}/repos/alice/hello-world/issues`, repoToken, {
      title: 'x',
      assignees: ['nobody'],
    });
    expect(badAssignee.status).toBe(422);
    const malformed = await api(sandbox, 'POST', `${GH}/repos/alice/hello-world/issues`, repoToken, '{"title":');
    expect(malformed.status).toBe(400);
    expect(malformed.json.message).toBe('Problems parsing JSON');
  });

  it('updates and closes an issue', async () => {
    const res = await api(sandbox, 'PATCH', `${GH}/repos/alice/hello-world/issues/1`, repoToken, {
      state: 'closed',
      title: 'Found a bug (fixed)',
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      state: 'closed',
      state_reason: 'completed',
      title: 'Found a bug (fixed)',
      closed_at: expect.any(String),
    });
    expect((await api(sandbox, 'PATCH', `${GH}/repos/alice/hello-world/issues/1`, repoToken, { state: 'gone' })).status).toBe(422);
  });

  it('lists and creates comments', async () => {
    const before = await api(sandbox, 'GET', `${GH}/repos/alice/hello-world/issues/1/comments`, userToken);
    expect(before.json).toHaveLength(1);
    const c = await api(sandbox, 'POST', `${GH}/repos/alice/hello-world/issues/1/comments`, repoToken, { body: 'Thanks!' });
    expect(c.status).toBe(201);
    expect(c.json).toMatchObject({
      body: 'Thanks!',
      user: { login: 'alice' },
      issue_url: 'https://api.github.com/repos/alice/hello-world/issues/1',
    });
    const after = await api(sandbox, 'GET', `${GH}/repos/alice/hello-world/issues/1/comments`, userToken);
    expect(after.json.map((x: { body: string }) => x.body)).toEqual(['Confirmed on main.', 'Thanks!']);
    expect((await api(sandbox, 'POST', `${GH}/repos/alice/hello-world/issues/1/comments`, repoToken, {})).status).toBe(422);
    expect((await api(sandbox, 'GET', `${GH}/repos/alice/hello-world/issues/99/comments`, repoToken)).status).toBe(404);
  });

  it('creates a pull request and reads it back', async () => {
    const pr = await api(sandbox, 'POST', `${GH}/repos/alice/hello-world/pulls`, repoToken, {
      title: 'Feature',
      head: 'feature-x',
      base: 'main',
    });
    expect(pr.status).toBe(201);
    expect(pr.json).toMatchObject({ title: 'Feature', state: 'open', head: { ref: 'feature-x' }, base: { ref: 'main' }, draft: false });
    const get = await api(sandbox, 'GET', `${GH}/repos/alice/hello-world/pulls/${pr.json.number}`, userToken);
    expect(get.json.title).toBe('Feature');
    expect((await api(sandbox, 'GET', `${GH}/repos/alice/hello-world/pulls/2`, userToken)).status).toBe(404); // #2 is an issue
    const missingHead = await api(sandbox, 'POST', `${GH}/repos/alice/hello-world/pulls`, repoToken, { title: 'x', base: 'main' });
    expect(missingHead.json.errors[0]).toMatchObject({ resource: 'PullRequest', field: 'head', code: 'missing_field' });
  });

  it('answers 404 Not Found for an unknown path', async () => {
    const res = await api(sandbox, 'GET', `${GH}/orgs/nope/teams`, repoToken);
    expect(res.status).toBe(404);
    expect(res.json.message).toBe('Not Found');
  });
});
