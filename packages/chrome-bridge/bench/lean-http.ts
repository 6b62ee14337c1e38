// The leanest HTTP/1.1 client for the bench: one keep-alive socket, requests serialised by hand,
// responses framed by Content-Length (the bridge always sends it). node:http's client alone costs
// about 170 us per request on the 2-core machine, more than the whole relay, which would hide
// what is being measured; `curl` or a Python `requests.Session` sit somewhere between the two.
import { connect, type Socket } from "node:net";

export class LeanHttpClient {
  readonly #socket: Socket;
  readonly #head: string;
  #buffer: Buffer = Buffer.alloc(0);
  #waiting: { resolve: (body: string) => void; reject: (err: Error) => void } | undefined;

  private constructor(socket: Socket, url: URL) {
    this.#socket = socket;
    this.#head = `POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\n`;
    socket.on("data", (d: Buffer) => this.#receive(d));
    socket.on("error", (err) => this.#fail(err));
    socket.on("close", () => this.#fail(new Error("connection closed")));
  }

  static connect(url: URL): Promise<LeanHttpClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname, () => resolve(new LeanHttpClient(socket, url)));
      socket.setNoDelay(true);
      socket.once("error", reject);
    });
  }

  /** POSTs `body`; resolves with the response body of a 200, rejects otherwise. */
  post(body: string): Promise<string> {
    if (this.#waiting) return Promise.reject(new Error("one request at a time"));
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
      this.#socket.write(`${this.#head}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    });
  }

  close(): void {
    this.#socket.destroy();
  }

  #receive(d: Buffer): void {
    this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, d]) : d;
    const end = this.#buffer.indexOf("\r\n\r\n");
    if (end < 0) return;
    const head = this.#buffer.toString("latin1", 0, end);
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!length) {
      this.#fail(new Error(`no Content-Length in: ${head}`));
      return;
    }
    const total = end + 4 + Number(length[1]);
    if (this.#buffer.length < total) return;
    const body = this.#buffer.toString("utf8", end + 4, total);
    const status = Number(head.slice(9, 12));
    this.#buffer = this.#buffer.subarray(total);
    const w = this.#waiting;
    this.#waiting = undefined;
    if (status === 200) w?.resolve(body);
    else w?.reject(new Error(`HTTP ${status}: ${body}`));
  }

  #fail(err: Error): void {
    const w = this.#waiting;
    this.#waiting = undefined;
    w?.reject(err);
  }
}
