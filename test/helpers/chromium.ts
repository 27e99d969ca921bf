// Headless Chromium for end-to-end tests, driven over the Chrome DevTools Protocol
// (CDP). Node 20 has no global WebSocket and Playwright is not installed, so this
// file holds a small WebSocket client (RFC 6455, client side: masked text frames
// out, unmasked frames in) over node:http's upgrade, and a CDP session on top.
//
// Chromium comes from the Debian package `chromium` (apt-get install -y chromium);
// CHROMIUM_PATH overrides where it is looked for. A missing browser is an error,
// never a skipped test.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** The Chromium binary, or an error that says how to install it. */
export function findChromium(): string {
  const override = process.env.CHROMIUM_PATH;
  if (override) {
    if (!existsSync(override)) throw new Error(`CHROMIUM_PATH=${override} does not exist`);
    return override;
  }
  const found = CANDIDATES.find((candidate) => existsSync(candidate));
  if (!found) {
    throw new Error(`Chromium not found (looked at ${CANDIDATES.join(', ')}): install it with \`apt-get install -y chromium\` or set CHROMIUM_PATH`);
  }
  return found;
}

// ---------------------------------------------------------------------------
// WebSocket client (just what CDP needs)

const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const OP_CONTINUATION = 0x0;
const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;

function encodeFrame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  const lengthBytes = length < 126 ? 0 : length < 65_536 ? 2 : 8;
  const header = Buffer.alloc(2 + lengthBytes + 4);
  header[0] = 0x80 | opcode; // FIN + opcode
  if (lengthBytes === 0) header[1] = 0x80 | length;
  else if (lengthBytes === 2) {
    header[1] = 0x80 | 126;
    header.writeUInt16BE(length, 2);
  } else {
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  // Clients must mask every frame.
  const mask = randomBytes(4);
  mask.copy(header, 2 + lengthBytes);
  const masked = Buffer.alloc(length);
  for (let i = 0; i < length; i++) masked[i] = payload[i]! ^ mask[i & 3]!;
  return Buffer.concat([header, masked]);
}

/** A connected WebSocket: emits 'message' (string) and 'close'. */
class WebSocketClient extends EventEmitter {
  private buffer: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private closed = false;

  constructor(private readonly socket: Socket, head: Buffer) {
    super();
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('close', () => this.markClosed());
    socket.on('error', () => this.markClosed());
    if (head.length > 0) this.receive(head);
  }

  static connect(url: string): Promise<WebSocketClient> {
    const key = randomBytes(16).toString('base64');
    const expectedAccept = createHash('sha1').update(key + WEBSOCKET_GUID).digest('base64');
    return new Promise((resolve, reject) => {
      const request = http.request(url.replace(/^ws:/, 'http:'), {
        headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': key },
      });
      request.on('upgrade', (response, socket, head) => {
        if (response.headers['sec-websocket-accept'] !== expectedAccept) {
          socket.destroy();
          reject(new Error(`WebSocket handshake with ${url} failed: bad Sec-WebSocket-Accept`));
          return;
        }
        resolve(new WebSocketClient(socket, head));
      });
      request.on('response', (response) => reject(new Error(`WebSocket handshake with ${url} failed: HTTP ${response.statusCode}`)));
      request.on('error', reject);
      request.end();
    });
  }

  send(text: string): void {
    if (this.closed) throw new Error('WebSocket is closed');
    this.socket.write(encodeFrame(OP_TEXT, Buffer.from(text, 'utf8')));
  }

  close(): void {
    if (this.closed) return;
    this.socket.write(encodeFrame(OP_CLOSE, Buffer.alloc(0)));
    this.socket.end();
    this.markClosed();
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.emit('close');
  }

  private receive(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      if (this.buffer.length < 2) return;
      const fin = (this.buffer[0]! & 0x80) !== 0;
      const opcode = this.buffer[0]! & 0x0f;
      const masked = (this.buffer[1]! & 0x80) !== 0;
      let length = this.buffer[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (this.buffer.length < 4) return;
        length = this.buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (this.buffer.length < 10) return;
        length = Number(this.buffer.readBigUInt64BE(2));
        offset = 10;
      }
      const maskKey = masked ? this.buffer.subarray(offset, offset + 4) : undefined;
      if (masked) offset += 4;
      if (this.buffer.length < offset + length) return;
      const payload = Buffer.from(this.buffer.subarray(offset, offset + length));
      this.buffer = this.buffer.subarray(offset + length);
      if (maskKey) for (let i = 0; i < payload.length; i++) payload[i] = payload[i]! ^ maskKey[i & 3]!;
      this.handleFrame(fin, opcode, payload);
    }
  }

  private handleFrame(fin: boolean, opcode: number, payload: Buffer): void {
    switch (opcode) {
      case OP_TEXT:
      case OP_BINARY:
      case OP_CONTINUATION:
        this.fragments.push(payload);
        if (fin) {
          const message = Buffer.concat(this.fragments).toString('utf8');
          this.fragments = [];
          this.emit('message', message);
        }
        return;
      case OP_PING:
        if (!this.closed) this.socket.write(encodeFrame(OP_PONG, payload));
        return;
      case OP_CLOSE:
        this.close();
        return;
      default:
        return; // pong and reserved opcodes: nothing to do
    }
  }
}

// ---------------------------------------------------------------------------
// Chrome DevTools Protocol

export interface CdpEvent {
  method: string;
  params: Record<string, any>;
  sessionId?: string;
}

interface Pending {
  method: string;
  resolve: (result: any) => void;
  reject: (error: Error) => void;
}

/** One CDP connection (the browser's endpoint); page sessions share it (flat mode). */
export class CdpConnection extends EventEmitter {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly ws: WebSocketClient) {
    super();
    ws.on('message', (text: string) => this.dispatch(text));
    ws.on('close', () => {
      for (const { method, reject } of this.pending.values()) reject(new Error(`CDP connection closed during ${method}`));
      this.pending.clear();
    });
  }

  static async connect(url: string): Promise<CdpConnection> {
    return new CdpConnection(await WebSocketClient.connect(url));
  }

  send<T = any>(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { method, resolve, reject });
      try {
        this.ws.send(JSON.stringify(sessionId ? { id, method, params, sessionId } : { id, method, params }));
      } catch (error) {
        this.pending.delete(id);
        reject(error as Error);
      }
    });
  }

  close(): void {
    this.ws.close();
  }

  private dispatch(text: string): void {
    const message = JSON.parse(text) as { id?: number; result?: unknown; error?: { message: string; data?: string } } & Partial<CdpEvent>;
    if (message.id !== undefined) {
      const pending = this.pending.get(message.id);
      if (!pending) return;
      this.pending.delete(message.id);
      if (message.error) pending.reject(new Error(`CDP ${pending.method}: ${message.error.message}${message.error.data ? ` (${message.error.data})` : ''}`));
      else pending.resolve(message.result);
    } else if (message.method) {
      this.emit('event', { method: message.method, params: message.params ?? {}, sessionId: message.sessionId } satisfies CdpEvent);
    }
  }
}

/** A tab, attached through a flat CDP session. */
export class CdpPage {
  constructor(
    private readonly connection: CdpConnection,
    readonly sessionId: string,
  ) {}

  send<T = any>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    return this.connection.send<T>(method, params, this.sessionId);
  }

  /** Calls `listener` for every event of this page. */
  onEvent(listener: (event: CdpEvent) => void): void {
    this.connection.on('event', (event: CdpEvent) => {
      if (event.sessionId === this.sessionId) listener(event);
    });
  }

  /** Evaluates an expression in the page (promises awaited) and returns its value. */
  async evaluate<T = unknown>(expression: string): Promise<T> {
    const { result, exceptionDetails } = await this.send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true });
    if (exceptionDetails) {
      throw new Error(`page threw: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
    }
    return result.value as T;
  }

  /** Polls `expression` until it is truthy; fails with `what` after `timeoutMs`. */
  async waitFor<T = unknown>(expression: string, what: string, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
      last = await this.evaluate(expression);
      if (last) return last as T;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last value: ${JSON.stringify(last)})`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Navigates and waits for the load event. */
  async navigate(url: string, timeoutMs = 20_000): Promise<void> {
    const loaded = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms loading ${url}`)), timeoutMs);
      this.onEvent((event) => {
        if (event.method === 'Page.loadEventFired') {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const { errorText } = await this.send('Page.navigate', { url });
    if (errorText) throw new Error(`navigation to ${url} failed: ${errorText}`);
    await loaded;
  }

  /**
   * A real mouse click in the middle of the first element matching `selector`
   * (pointer events included: Radix menus open on pointerdown, not on click()).
   */
  async click(selector: string): Promise<void> {
    const box = await this.evaluate<{ x: number; y: number } | null>(`(() => {
      const element = document.querySelector(${JSON.stringify(selector)});
      if (!element) return null;
      element.scrollIntoView({ block: 'center' });
      const rect = element.getBoundingClientRect();
      return { x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 };
    })()`);
    if (!box) throw new Error(`no element matches ${selector}`);
    const mouse = { x: box.x, y: box.y, button: 'left', clickCount: 1 };
    await this.send('Input.dispatchMouseEvent', { type: 'mouseMoved', x: box.x, y: box.y });
    await this.send('Input.dispatchMouseEvent', { type: 'mousePressed', ...mouse });
    await this.send('Input.dispatchMouseEvent', { type: 'mouseReleased', ...mouse });
  }
}

// ---------------------------------------------------------------------------
// The browser process

export interface Chromium {
  connection: CdpConnection;
  /** Opens a new tab (about:blank) with Page, Runtime and Network events on. */
  newPage(): Promise<CdpPage>;
  /** Closes the browser, kills what is left of its process group and removes its profile. */
  close(): Promise<void>;
}

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-extensions',
  '--disable-dev-shm-usage',
  '--mute-audio',
  '--remote-debugging-port=0',
  '--remote-debugging-address=127.0.0.1',
];

function waitForDevtoolsUrl(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    const timer = setTimeout(() => fail(new Error(`Chromium did not open its DevTools endpoint within ${timeoutMs} ms:\n${stderr.slice(-2000)}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(stderr);
      if (match) {
        cleanup();
        resolve(match[1]!);
      }
    };
    const onExit = (code: number | null, signal: string | null) =>
      fail(new Error(`Chromium exited (code ${code}, signal ${signal}) before opening DevTools:\n${stderr.slice(-2000)}`));
    const fail = (error: Error) => {
      cleanup();
      reject(error);
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      child.stderr?.resume(); // keep draining so Chromium never blocks on a full pipe
    };
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
}

/** Starts headless Chromium with a fresh profile and connects to it over CDP. */
export async function launchChromium(options: { timeoutMs?: number } = {}): Promise<Chromium> {
  const binary = findChromium();
  const profileDir = mkdtempSync(path.join(os.tmpdir(), 'lakegate-chromium-'));
  // Its own process group, so that close() can end the renderers and helpers too.
  const child = spawn(binary, [...FLAGS, `--user-data-dir=${profileDir}`, 'about:blank'], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killGroup = () => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };

  let connection: CdpConnection;
  try {
    const url = await waitForDevtoolsUrl(child, options.timeoutMs ?? 30_000);
    connection = await CdpConnection.connect(url);
  } catch (error) {
    killGroup();
    await exited;
    rmSync(profileDir, { recursive: true, force: true });
    throw error;
  }

  return {
    connection,
    async newPage() {
      const { targetId } = await connection.send('Target.createTarget', { url: 'about:blank' });
      const { sessionId } = await connection.send('Target.attachToTarget', { targetId, flatten: true });
      const page = new CdpPage(connection, sessionId);
      await Promise.all([page.send('Page.enable'), page.send('Runtime.enable'), page.send('Network.enable')]);
      return page;
    },
    async close() {
      let graceTimer: NodeJS.Timeout | undefined;
      await Promise.race([
        connection.send('Browser.close').catch(() => undefined),
        new Promise((resolve) => (graceTimer = setTimeout(resolve, 5_000))),
      ]);
      clearTimeout(graceTimer);
      connection.close();
      const timer = setTimeout(killGroup, 5_000);
      await exited;
      clearTimeout(timer);
      killGroup(); // helpers that outlived the browser process
      rmSync(profileDir, { recursive: true, force: true });
    },
  };
}
