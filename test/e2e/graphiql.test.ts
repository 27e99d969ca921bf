// GraphiQL in a real browser: headless Chromium (Debian package `chromium`) loads
// the page from Fastify + Apollo Server 5 with registerGraphiql, renders the
// example tabs, and runs the first example with an Authorization header typed into
// the headers editor. Every request the page makes must go to the same origin, and
// the strict Content-Security-Policy must not block anything.
//
// The Apollo schema here is the part of the public contract the first example tab
// (events + eventStats) needs; the real schema is tested elsewhere.
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { fastifyApolloDrainPlugin, fastifyApolloHandler } from '@as-integrations/fastify';
import Fastify from 'fastify';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildExampleTabs } from '../../src/server/graphiql-app/examples';
import { registerGraphiql } from '../../src/server/graphiql';
import { launchChromium, type CdpPage, type Chromium } from '../helpers/chromium';

const ROOT = path.resolve(__dirname, '../..');

const TYPE_DEFS = /* GraphQL */ `
  scalar Date
  scalar DateTime
  scalar JSON

  input EventFilter {
    from: Date!
    to: Date!
    customerId: ID
    eventTypes: [String!]
    customerTypes: [String!]
  }
  enum StatsInterval { DAY WEEK MONTH }
  enum StatsGroupBy { CUSTOMER_TYPE EVENT_TYPE CUSTOMER }
  enum StatsSource { WAREHOUSE LAKE }
  input EventStatsInput {
    from: Date!
    to: Date!
    interval: StatsInterval!
    groupBy: [StatsGroupBy!]
    excludeCustomerTypes: [String!]
    source: StatsSource
  }
  type Customer { id: ID! customerType: String! country: String }
  type Event {
    id: ID!
    occurredAt: DateTime!
    day: Date!
    customerId: ID!
    customerType: String!
    eventType: String!
    source: String!
    region: String
    severity: String
    attributes: JSON
    customer: Customer
  }
  type EventEdge { cursor: String! node: Event! }
  type PageInfo { hasNextPage: Boolean! endCursor: String }
  type EventConnection { edges: [EventEdge!]! pageInfo: PageInfo! }
  type EventStat { periodStart: Date! customerType: String eventType: String customerId: ID totalEvents: Float! }
  type Query {
    events(filter: EventFilter!, first: Int, after: String): EventConnection!
    eventStats(input: EventStatsInput!): [EventStat!]!
  }
`;

interface Seen {
  filters: Array<{ from: string; to: string }>;
  authorizations: Array<string | undefined>;
}

async function startServer(assetsDir: string, seen: Seen) {
  const app = Fastify({ logger: false });
  const apollo = new ApolloServer<{ authorization: string | undefined }>({
    typeDefs: TYPE_DEFS,
    resolvers: {
      Query: {
        events: (_: unknown, args: { filter: { from: string; to: string } }, context: { authorization: string | undefined }) => {
          seen.filters.push(args.filter);
          seen.authorizations.push(context.authorization);
          const node = {
            id: 'evt-1',
            occurredAt: `${args.filter.to}T12:00:00.000Z`,
            day: args.filter.to,
            customerId: 'cus-1',
            customerType: 'Consumer',
            eventType: 'login',
            source: 'web',
            region: 'eu-west-1',
            severity: 'info',
            attributes: { ip: 'masked' },
            customer: { id: 'cus-1', customerType: 'Consumer', country: 'DE' },
          };
          return { edges: [{ cursor: 'c1', node }], pageInfo: { hasNextPage: false, endCursor: 'c1' } };
        },
        eventStats: () => [],
      },
    },
    plugins: [fastifyApolloDrainPlugin(app), ApolloServerPluginLandingPageDisabled()],
  });
  await apollo.start();
  registerGraphiql(app, { endpoint: '/graphql', assetsDir, enabled: true });
  app.route({
    method: ['GET', 'POST', 'OPTIONS'],
    url: '/graphql',
    handler: fastifyApolloHandler(apollo, { context: async (request) => ({ authorization: request.headers.authorization }) }),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('server has no TCP address');
  return {
    origin: `http://127.0.0.1:${address.port}`,
    close: async () => {
      await app.close();
      await apollo.stop();
    },
  };
}

/** The text of the CodeMirror editor inside `selector`. */
function editorValue(selector: string): string {
  return `document.querySelector(${JSON.stringify(`${selector} .CodeMirror`)})?.CodeMirror?.getValue() ?? null`;
}

/** The variables of example tab `index`, as computed a minute ago and now (a run may straddle midnight UTC). */
function expectedVariables(index: number): Array<Record<string, unknown>> {
  return [buildExampleTabs(undefined, new Date(Date.now() - 60_000)), buildExampleTabs()].map((tabs) => tabs[index]!.variables);
}

const VARIABLES_EDITOR = '.graphiql-editor-tool .graphiql-editor:first-child';

/** GraphiQL titles a tab with its first operation; the write tabs' operations say so. */
const TAB_TITLES = ['Events', 'CustomerDecisions', 'CatalogDatabases', 'GlueJobRuns', 'Freshness', 'DeletionRequests', 'WriteRecordDecision', 'WriteRequestDeletion', 'WriteLoadDays'];

describe('GraphiQL in headless Chromium', () => {
  let assetsDir: string;
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Chromium;
  let page: CdpPage;
  const seen: Seen = { filters: [], authorizations: [] };
  const requests: Array<{ url: string; method: string }> = [];
  const exceptions: string[] = [];
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    assetsDir = mkdtempSync(path.join(os.tmpdir(), 'lakegate-graphiql-e2e-'));
    execFileSync(process.execPath, [path.join(ROOT, 'src/build.mjs'), '--graphiql-only', `--graphiql-out=${assetsDir}`], { cwd: ROOT, stdio: 'pipe' });
    server = await startServer(assetsDir, seen);
    browser = await launchChromium();
    page = await browser.newPage();
    page.onEvent((event) => {
      if (event.method === 'Network.requestWillBeSent') requests.push({ url: event.params.request.url, method: event.params.request.method });
      if (event.method === 'Runtime.exceptionThrown') exceptions.push(event.params.exceptionDetails?.exception?.description ?? event.params.exceptionDetails?.text);
      if (event.method === 'Runtime.consoleAPICalled' && event.params.type === 'error') {
        consoleErrors.push(event.params.args.map((arg: { value?: unknown; description?: string }) => arg.value ?? arg.description).join(' '));
      }
    });
    // Runs before the page's own scripts, outside its CSP: records what the policy blocks.
    await page.send('Page.addScriptToEvaluateOnNewDocument', {
      source: `window.__cspViolations = [];
        document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));`,
    });
    await page.navigate(`${server.origin}/graphql`);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (assetsDir) rmSync(assetsDir, { recursive: true, force: true });
  });

  it('renders GraphiQL with the query editor and one tab per example', async () => {
    await page.waitFor(
      `document.querySelectorAll('.graphiql-tab').length >= 9 && !!document.querySelector('.graphiql-query-editor .CodeMirror')`,
      'the GraphiQL editor and its tabs',
    );
    expect(await page.evaluate('document.title')).toBe('lakegate');
    const tabs = await page.evaluate<string[]>(`[...document.querySelectorAll('.graphiql-tab .graphiql-tab-button')].map((tab) => tab.textContent.trim())`);
    expect(tabs).toEqual(TAB_TITLES);
    expect(await page.evaluate(`document.querySelector('.graphiql-logo')?.textContent`)).toBe('lakegate');
    const query = await page.evaluate<string>(editorValue('.graphiql-query-editor'));
    expect(query).toBe(buildExampleTabs()[0]!.query);
    // The first tab opens with its own variables (GraphiQL 3.8 alone leaves them empty).
    const variables = await page.evaluate<string>(editorValue(VARIABLES_EDITOR));
    expect(expectedVariables(0)).toContainEqual(JSON.parse(variables));
    const headersTab = await page.evaluate<boolean>(`[...document.querySelectorAll('.graphiql-editor-tools button')].some((b) => b.textContent.trim() === 'Headers')`);
    expect(headersTab).toBe(true);
  });

  it('runs the first example with the headers from the headers editor and shows the result', async () => {
    // The variables and headers editors (the headers one hidden behind its tab).
    await page.waitFor(`document.querySelectorAll('.graphiql-editor-tool .graphiql-editor .CodeMirror').length === 2`, 'the headers editor');
    const setHeaders = await page.evaluate<boolean>(`(() => {
      const editors = [...document.querySelectorAll('.graphiql-editor-tool .graphiql-editor .CodeMirror')];
      const headers = editors[1]?.CodeMirror;
      if (!headers) return false;
      headers.setValue(JSON.stringify({ Authorization: 'Bearer e2e-key' }));
      return true;
    })()`);
    expect(setHeaders).toBe(true);

    await page.click('.graphiql-execute-button');
    // Several operations in the tab: GraphiQL asks which one; Events is the first.
    await page.waitFor(`[...document.querySelectorAll('[role="menuitem"]')].map((item) => item.textContent).join(',')`, 'the operation menu');
    const choices = await page.evaluate<string[]>(`[...document.querySelectorAll('[role="menuitem"]')].map((item) => item.textContent)`);
    expect(choices).toEqual(['Events', 'WeeklyEventStats']);
    await page.click('[role="menuitem"]');

    const resultText = await page.waitFor<string>(
      `(() => { const text = ${editorValue('.result-window')}; return text && text.includes('"events"') ? text : null; })()`,
      'the result of the Events query',
    );
    const result = JSON.parse(resultText);
    expect(result.errors).toBeUndefined();
    expect(result.data.events.edges).toHaveLength(1);
    expect(result.data.events.edges[0].node).toMatchObject({ id: 'evt-1', customer: { country: 'DE' } });

    // The variables the page computed (the last seven days up to yesterday) and the header.
    expect(seen.filters).toHaveLength(1);
    expect(expectedVariables(0).map((variables) => variables.filter)).toContainEqual(seen.filters[0]);
    expect(seen.authorizations).toEqual(['Bearer e2e-key']);
  });

  it('switches between the example tabs, each with its own query and variables', async () => {
    const examples = buildExampleTabs();
    for (const index of [1, 4, 0]) {
      await page.click(`.graphiql-tab:nth-child(${index + 1}) .graphiql-tab-button`);
      const query = await page.waitFor<string>(
        `(() => { const text = ${editorValue('.graphiql-query-editor')}; return text === ${JSON.stringify(examples[index]!.query)} ? text : null; })()`,
        `the query of tab ${index + 1}`,
      );
      expect(query).toBe(examples[index]!.query);
      expect(expectedVariables(index)).toContainEqual(JSON.parse(await page.evaluate<string>(editorValue(VARIABLES_EDITOR))));
    }
  });

  it('keeps the nine tabs across a reload (saved under its own storage prefix)', async () => {
    // GraphiQL saves the tabs, the query and the variables 500 ms after their last
    // change, each on its own; a reload before all three are saved opens an extra tab.
    await page.waitFor(
      `(() => {
        const saved = JSON.parse(localStorage.getItem('lakegate:graphiql:tabState') || 'null');
        const active = saved && saved.tabs[saved.activeTabIndex];
        return !!active && active.query === localStorage.getItem('lakegate:graphiql:query')
          && active.variables === localStorage.getItem('lakegate:graphiql:variables');
      })()`,
      'the saved tabs',
    );
    await page.navigate(`${server.origin}/graphql`);
    await page.waitFor(`!!document.querySelector('.graphiql-query-editor .CodeMirror')`, 'GraphiQL after the reload');
    const tabs = await page.evaluate<string[]>(`[...document.querySelectorAll('.graphiql-tab .graphiql-tab-button')].map((tab) => tab.textContent.trim())`);
    expect(tabs).toEqual(TAB_TITLES);
    const keys = await page.evaluate<string[]>('Object.keys(localStorage)');
    expect(keys.filter((key) => !key.startsWith('lakegate:'))).toEqual([]);
    // Headers (API keys) are not kept unless the user asks for it.
    expect(await page.evaluate(`localStorage.getItem('lakegate:graphiql:tabState').includes('e2e-key')`)).toBe(false);
  });

  it('made every request to the same origin, and the CSP blocked nothing', async () => {
    expect(requests.length).toBeGreaterThan(3);
    const origin = new URL(server.origin).origin;
    const foreign = requests.filter((request) => {
      try {
        return new URL(request.url).origin !== origin;
      } catch {
        return true;
      }
    });
    expect(foreign).toEqual([]);
    const urls = requests.map((request) => `${request.method} ${new URL(request.url).pathname}`);
    expect(urls).toEqual(
      expect.arrayContaining([
        'GET /graphql',
        expect.stringMatching(/^GET \/graphiql\/graphiql-[A-Z2-7]{8}\.js$/),
        expect.stringMatching(/^GET \/graphiql\/graphiql-[A-Z2-7]{8}\.css$/),
        expect.stringMatching(/^GET \/graphiql\/roboto-\d+-[A-Z2-7]{8}\.woff2$/),
        'POST /graphql',
        // The example values (none from this test server: the page's defaults) and the page's icon.
        'GET /graphiql/examples.json',
        'GET /graphiql/favicon.svg',
      ]),
    );
    expect(await page.evaluate('window.__cspViolations')).toEqual([]);
    expect(exceptions).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });
});
