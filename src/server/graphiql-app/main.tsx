// GraphiQL, bundled by src/build.mjs into dist/graphiql and served by
// src/server/graphiql.ts. Everything it loads comes from the same origin: the
// bundle, its stylesheet, fonts and images, and the GraphQL endpoint.
//
// No JSX and no DOM lib: this file is also type-checked by the server's tsconfig
// (Node types only), and @types/react is not installed, so React is untyped here.
import 'graphiql/graphiql.css';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL, type GraphiQLProps } from 'graphiql';
// @ts-expect-error -- react ships no types and @types/react is not installed; esbuild bundles it
import { createElement, StrictMode } from 'react';
// @ts-expect-error -- as above, for react-dom
import { createRoot } from 'react-dom/client';
import { buildExampleTabs, WELCOME_QUERY, type ExampleValues } from './examples';

/** The few browser globals this file uses (the server tsconfig has no DOM lib). */
interface BrowserStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
  clear(): void;
  key(index: number): string | null;
  readonly length: number;
}
interface BrowserGlobals {
  document: { getElementById(id: string): (object & { dataset: Record<string, string | undefined> }) | null };
  location: { origin: string; pathname: string };
  localStorage: BrowserStorage;
}
const browser = globalThis as unknown as BrowserGlobals;

/**
 * localStorage under a "lakegate:" prefix, so that GraphiQL's saved tabs and
 * history do not mix with another GraphiQL served on the same origin
 * (localhost:4000 is a popular port).
 */
function prefixedStorage(inner: BrowserStorage, prefix: string): BrowserStorage {
  const ownKeys = (): string[] => {
    const keys: string[] = [];
    for (let i = 0; i < inner.length; i++) {
      const key = inner.key(i);
      if (key !== null && key.startsWith(prefix)) keys.push(key.slice(prefix.length));
    }
    return keys;
  };
  return {
    getItem: (key) => inner.getItem(prefix + key),
    setItem: (key, value) => inner.setItem(prefix + key, value),
    removeItem: (key) => inner.removeItem(prefix + key),
    clear: () => ownKeys().forEach((key) => inner.removeItem(prefix + key)),
    key: (index) => ownKeys()[index] ?? null,
    get length() {
      return ownKeys().length;
    },
  };
}

const container = browser.document.getElementById('graphiql');
if (!container) throw new Error('lakegate GraphiQL: the page has no #graphiql element');

// The server writes its GraphQL path into the page; the page is served on that path.
const endpoint = container.dataset.endpoint || browser.location.pathname;
const fetcher = createGraphiQLFetcher({ url: new URL(endpoint, browser.location.origin).href });

const storage = prefixedStorage(browser.localStorage, 'lakegate:');

/** The data's window and ids for the examples (src/server/example-values.ts); undefined: the built-in defaults. */
async function exampleValues(): Promise<ExampleValues | undefined> {
  try {
    const response = await fetch(new URL('/graphiql/examples.json', browser.location.origin).href, { headers: { accept: 'application/json' } });
    return response.ok ? ((await response.json()) as ExampleValues) : undefined;
  } catch {
    return undefined;
  }
}

/** A decision id of this page load: the RecordDecision example never writes the same id twice. */
function newDecisionId(): string {
  return `dec_graphiql_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}

async function render(): Promise<void> {
  const values = await exampleValues();
  const tabs = buildExampleTabs(values && { ...values, newDecisionId: newDecisionId() }).map((tab) => ({ query: tab.query, variables: JSON.stringify(tab.variables, null, 2) }));
  // GraphiQL 3.8 opens the first default tab with an empty variables editor (it takes
  // the initial variables from the `variables` prop or storage, not from the tab).
  // Hand it the first tab's variables, but only on a first visit: with saved tabs,
  // a `variables` prop that matches no saved tab would add a tab on every reload.
  const firstVisit = storage.getItem('graphiql:tabState') === null;

  const props: GraphiQLProps = {
    fetcher,
    defaultQuery: WELCOME_QUERY,
    defaultTabs: tabs,
    ...(firstVisit ? { variables: tabs[0]!.variables } : {}),
    isHeadersEditorEnabled: true,
    // API keys stay out of localStorage unless the user opts in (settings dialog).
    shouldPersistHeaders: false,
    defaultEditorToolsVisibility: 'variables',
    storage,
  };

  createRoot(container).render(
    createElement(StrictMode, null, createElement(GraphiQL, props, createElement(GraphiQL.Logo, null, 'lakegate'))),
  );
}

void render();
