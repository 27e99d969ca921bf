// GraphiQL's example tabs against the real server, in headless Chromium, over a
// data directory whose data ended 60 days ago (LAKEGATE_SEED_END_DAY): the tabs
// take their dates and ids from the data (/graphiql/examples.json), so every
// operation of every tab answers with data; only the tabs marked WRITE write.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { buildExampleTabs, WRITE_BANNER, type ExampleTab, type ExampleValues } from '../../src/server/graphiql-app/examples';
import { launchChromium, type CdpPage, type Chromium } from '../helpers/chromium';
import { startTestApp, type TestApp } from '../helpers/test-app';

jest.setTimeout(300_000);

const DAY_MS = 86_400_000;
const END_DAY = new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS - 60 * DAY_MS).toISOString().slice(0, 10);
const KEY = 'explorer-key-00000000000000001';
const ALL_SCOPES = ['decisions:read', 'decisions:write', 'events:read', 'catalog:read', 'cost:read', 'gdpr:read', 'gdpr:write', 'loads:write', 'pii:read'];
const VARIABLES_EDITOR = '.graphiql-editor-tool .graphiql-editor:first-child';

function editorValue(selector: string): string {
  return `document.querySelector(${JSON.stringify(`${selector} .CodeMirror`)})?.CodeMirror?.getValue() ?? null`;
}

function operationsOf(query: string): OperationDefinitionNode[] {
  return parse(query).definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
}

/** Every root field answered something: a non-empty list, a connection with edges, an object. */
function emptyFields(data: Record<string, unknown> | null | undefined): string[] {
  if (!data) return ['(no data)'];
  return Object.entries(data)
    .filter(([, value]) => {
      if (value === null || value === undefined) return true;
      if (Array.isArray(value)) return value.length === 0;
      const edges = (value as { edges?: unknown[] }).edges;
      return Array.isArray(edges) && edges.length === 0;
    })
    .map(([field]) => field);
}

let dataDir: string;
let t: TestApp;
let browser: Chromium;
let page: CdpPage;
const posts: Array<{ tab: number; body: { query?: string; operationName?: string } }> = [];
const consoleErrors: string[] = [];
const failedRequests: string[] = [];
let currentTab = -1;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'lakegate-graphiql-examples-'));
  t = await startTestApp({
    dataDir,
    env: {
      LAKEGATE_SEED_END_DAY: END_DAY,
      LAKEGATE_SEED_EVENTS: '20000',
      LAKEGATE_SEED_DAYS: '30',
      LAKEGATE_SEED_CUSTOMERS: '200',
      LAKEGATE_SEED_DECISIONS: '600',
      LAKEGATE_API_KEYS: JSON.stringify([{ id: 'explorer', key: KEY, scopes: ALL_SCOPES }]),
      LAKEGATE_GDPR_POLL_INTERVAL_MS: '200',
    },
  });
  browser = await launchChromium();
  browser.connection.setMaxListeners(500); // every navigation adds a load listener
  page = await browser.newPage();
  // Room for the editors and the result side by side.
  await page.send('Emulation.setDeviceMetricsOverride', { width: 1600, height: 1000, deviceScaleFactor: 1, mobile: false });
  page.onEvent((event) => {
    if (event.method === 'Network.requestWillBeSent' && event.params.request.method === 'POST' && event.params.request.postData) {
      posts.push({ tab: currentTab, body: JSON.parse(event.params.request.postData) });
    }
    if (event.method === 'Network.responseReceived' && event.params.response.status >= 400) failedRequests.push(`${event.params.response.status} ${event.params.response.url}`);
    if (event.method === 'Runtime.consoleAPICalled' && event.params.type === 'error') consoleErrors.push(JSON.stringify(event.params.args));
  });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function exampleValues(): Promise<ExampleValues> {
  return (await (await fetch(`${t.origin}/graphiql/examples.json`)).json()) as ExampleValues;
}

/** A fresh visit: no saved tabs, so the page opens the examples as the server names them now. */
async function openFresh(): Promise<void> {
  await page.navigate(`${t.origin}/graphql`);
  await page.evaluate('localStorage.clear()');
  await page.navigate(`${t.origin}/graphql`);
  await page.waitFor(`document.querySelectorAll('.graphiql-tab').length >= 9 && !!document.querySelector('.graphiql-query-editor .CodeMirror')`, 'the GraphiQL tabs', 60_000);
}

/**
 * Opens tab `index` on a page of its own: the tab is chosen, GraphiQL saves it as
 * the active tab, and the page is reloaded on it (running an operation right after
 * switching tabs in place ran the previous tab's operation in headless Chromium).
 */
async function selectTab(index: number, tab: ExampleTab): Promise<void> {
  currentTab = index;
  // A click while the page is still settling can be lost: click again until the tab shows its query.
  for (let attempt = 1; ; attempt++) {
    await page.click(`.graphiql-tab:nth-child(${index + 1}) .graphiql-tab-button`);
    try {
      await page.waitFor(`(${editorValue('.graphiql-query-editor')}) === ${JSON.stringify(tab.query)}`, `the query of tab ${index + 1}`, 5_000);
      break;
    } catch (error) {
      if (attempt === 5) throw error;
    }
  }
  await page.waitFor(`(() => {
    const saved = JSON.parse(localStorage.getItem('lakegate:graphiql:tabState') || 'null');
    return !!saved && saved.activeTabIndex === ${index} && saved.tabs[${index}].query === localStorage.getItem('lakegate:graphiql:query');
  })()`, `tab ${index + 1} saved as the active one`, 60_000);
  await page.navigate(`${t.origin}/graphql`);
  await page.waitFor(`(${editorValue('.graphiql-query-editor')}) === ${JSON.stringify(tab.query)}`, `tab ${index + 1} after the reload`, 60_000);
  // Headers belong to a tab and are not saved: the key with every scope.
  await page.waitFor(`document.querySelectorAll('.graphiql-editor-tool .graphiql-editor .CodeMirror').length === 2`, 'the headers editor', 60_000);
  await page.evaluate(`[...document.querySelectorAll('.graphiql-editor-tool .graphiql-editor .CodeMirror')][1].CodeMirror.setValue(${JSON.stringify(JSON.stringify({ Authorization: `Bearer ${KEY}` }))})`);
}

/** Runs one operation of the open tab (choosing it in GraphiQL's menu when the tab has several) and returns the result shown. */
async function run(operation: string, several: boolean): Promise<{ data?: Record<string, any>; errors?: unknown[]; extensions?: Record<string, any> }> {
  const before = await page.evaluate<string | null>(editorValue('.result-window'));
  const sent = posts.length;
  await page.click('.graphiql-execute-button');
  if (several) {
    // Several operations: GraphiQL asks which one.
    await page.waitFor(`[...document.querySelectorAll('[role="menuitem"]')].some((item) => item.textContent === ${JSON.stringify(operation)})`, `the menu item ${operation}`);
    await page.evaluate(`[...document.querySelectorAll('[role="menuitem"]')].find((item) => item.textContent === ${JSON.stringify(operation)}).setAttribute('data-pick', '1')`);
    await page.click('[data-pick="1"]');
  }
  const text = await page.waitFor<string>(
    `(() => { const text = ${editorValue('.result-window')}; return text && text !== ${JSON.stringify(before)} && text.trim().startsWith('{') ? text : null; })()`,
    `the result of ${operation}`,
    60_000,
  );
  expect(posts.length).toBeGreaterThan(sent);
  expect(posts[posts.length - 1]!.body.operationName).toBe(operation);
  return JSON.parse(text);
}

test('every operation of every example tab answers with data; only the tabs marked WRITE write', async () => {
  // Before any request: the data's window, 60 days in the past, and real ids.
  const first = await exampleValues();
  expect(first.window?.newestDay).toBe(END_DAY);
  for (const key of ['customerId', 'decisionId', 'transactionId', 'database', 'table', 'eraseCustomerId'] as const) expect([key, first[key]]).toEqual([key, expect.any(String)]);
  expect(first.eraseCustomerId).not.toBe(first.customerId);
  expect(first.deletionRequestId).toBeNull();

  // The erase tab first (it is the only source of a deletion request for the GDPR tab), from a fresh page.
  await openFresh();
  const firstTabs = buildExampleTabs(first);
  const eraseIndex = firstTabs.findIndex((tab) => tab.title === 'Erase a customer (write)');
  await selectTab(eraseIndex, { ...firstTabs[eraseIndex]! });
  const erased = await run('WriteRequestDeletion', false);
  expect(erased.errors).toEqual(undefined);
  expect(erased.data?.requestDeletion?.id).toEqual(expect.any(String));

  // A new visit: the examples now name that request; the decision id to record is new on every load.
  const values = await exampleValues();
  expect(values.deletionRequestId).toBe(erased.data!.requestDeletion.id);
  await openFresh();
  const tabs = buildExampleTabs(values);
  const decisionIdShown = async (index: number) => {
    await selectTab(index, tabs[index]!);
    return JSON.parse(await page.evaluate<string>(editorValue(VARIABLES_EDITOR))).input.id as string;
  };
  const recordIndex = tabs.findIndex((tab) => tab.title === 'Record decision (write)');
  const firstId = await decisionIdShown(recordIndex);
  await openFresh();
  const secondId = await decisionIdShown(recordIndex);
  expect(firstId).toMatch(/^dec_graphiql_/);
  expect(secondId).not.toBe(firstId);

  const titles = await page.evaluate<string[]>(`[...document.querySelectorAll('.graphiql-tab .graphiql-tab-button')].map((tab) => tab.textContent.trim())`);
  expect(titles).toEqual(tabs.map((tab) => operationsOf(tab.query)[0]!.name!.value));

  const answered: Record<string, string[]> = {};
  for (const [index, tab] of tabs.entries()) {
    // The page's variables are those of the tab (the decision id aside: made by the page).
    await selectTab(index, tab);
    const shown = JSON.parse(await page.evaluate<string>(editorValue(VARIABLES_EDITOR)));
    if (tab.title === 'Record decision (write)') expect({ ...shown, input: { ...shown.input, id: 'x', transactionId: 'x' } }).toEqual({ ...tab.variables, input: { ...(tab.variables.input as object), id: 'x', transactionId: 'x' } });
    else expect(shown).toEqual(JSON.parse(JSON.stringify(tab.variables)));
    // A write tab says so on its first line, and only write tabs hold mutations.
    const operations = operationsOf(tab.query);
    expect({ tab: tab.title, marked: tab.query.startsWith(WRITE_BANNER) }).toEqual({ tab: tab.title, marked: operations.some((o) => o.operation === 'mutation') });
    for (const [at, operation] of operations.entries()) {
      const name = operation.name!.value;
      // GraphiQL asks which operation only on a tab's first run: each runs on a page of its own.
      if (at > 0) await selectTab(index, tab);
      const result = await run(name, operations.length > 1);
      expect({ operation: name, errors: result.errors }).toEqual({ operation: name, errors: undefined });
      expect({ operation: name, empty: emptyFields(result.data) }).toEqual({ operation: name, empty: [] });
      if (name === 'CostReport') {
        expect(result.data!.costReport.jobs.length).toBeGreaterThan(0);
        expect(result.data!.costReport.queryCosts.length).toBeGreaterThan(0);
      }
      if (name === 'Events') expect(result.data!.events.edges.every((e: any) => e.node.day >= values.window!.oldestDay && e.node.day <= END_DAY)).toBe(true);
      (answered[tab.title] ??= []).push(name);
    }
  }
  console.log(`GraphiQL examples answered with data (data ending ${END_DAY}): ${JSON.stringify(answered)}`);
  expect(Object.keys(answered)).toHaveLength(9);

  // Every mutation the page sent came from a tab marked WRITE.
  const mutations = posts.filter((post) => post.body.query && operationsOf(post.body.query).find((o) => o.name?.value === post.body.operationName || !post.body.operationName)?.operation === 'mutation');
  expect(mutations.length).toBeGreaterThanOrEqual(4); // erase (twice), record, reload
  for (const post of mutations) expect(tabs[post.tab]!.query.startsWith(WRITE_BANNER)).toBe(true);
  // No 404 (favicon included) and nothing in the console.
  expect(failedRequests).toEqual([]);
  expect(consoleErrors).toEqual([]);
});

test('an empty answer outside the data says where the data is (extensions.dataWindow)', async () => {
  const window = (await exampleValues()).window!;
  const outside = await t.gql(`{ events(filter: { from: "2020-01-01", to: "2020-01-07" }) { edges { node { id } } } }`, undefined, { key: KEY });
  expect(outside.body.data.events.edges).toEqual([]);
  expect(outside.body.extensions?.dataWindow).toEqual(window);
  const stats = await t.gql(`{ eventStats(input: { from: "2020-01-01", to: "2020-01-31", interval: WEEK }) { totalEvents } }`, undefined, { key: KEY });
  expect(stats.body.data.eventStats).toEqual([]);
  expect(stats.body.extensions?.dataWindow).toEqual(window);
  // Inside the window, or with data: no such hint.
  const inside = await t.gql(`{ events(filter: { from: "${END_DAY}", to: "${END_DAY}" }, first: 1) { edges { node { id } } } }`, undefined, { key: KEY });
  expect(inside.body.data.events.edges).toHaveLength(1);
  expect(inside.body.extensions?.dataWindow).toBeUndefined();
});
