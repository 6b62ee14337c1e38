import { EventEmitter } from "node:events";
import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, stat } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KvmdError } from "./kvmd-error.js";

export interface MsdOptions {
  /** Where images are kept. Default: a fresh temporary directory, removed on close. */
  dir?: string;
  /** The storage's size in bytes: uploads that do not fit are refused. Default 256 MiB. */
  storageBytes?: number;
}

interface Image {
  size: number;
  complete: boolean;
  modTs: number;
}

const err = (error: string, msg: string, status = 400) => new KvmdError(status, error, msg);

/** kvmd's `valid_msd_image_name`: a relative path of printable segments, no `.`/`..`, at most 255 chars. */
export function validImageName(raw: string | null): string {
  const name = (raw ?? "")
    .trim()
    .split("/")
    .filter((p) => p !== "")
    .join("/");
  const bad =
    !name ||
    name.length > 255 ||
    name.split("/").some((p) => p === "." || p === ".." || p.startsWith(".")) ||
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
    /[\x00-\x1f\x7f]/.test(name);
  if (bad) throw err("ValidatorError", `The argument '${raw ?? "None"}' is not a valid MSD image name`);
  return name;
}

/**
 * The mass-storage drive (kvmd's otg MSD): images in a directory, one selected and connected to the
 * target as a CD-ROM or flash drive. Uploads stream to disk with progress in the state.
 */
export class VirtualMsd extends EventEmitter<{ state: [] }> {
  readonly storageBytes: number;
  readonly #o: MsdOptions;
  #dir: string | undefined;
  #temp = false;
  readonly #images = new Map<string, Image>();
  drive = { image: null as string | null, cdrom: true, rw: false, connected: false };
  uploading: { name: string; size: number; written: number } | null = null;
  busy = false;

  constructor(options: MsdOptions = {}) {
    super();
    this.#o = options;
    this.storageBytes = options.storageBytes ?? 256 * 1024 * 1024;
  }

  /** The images directory (created on first use; temporary unless `dir` was given). */
  async dir(): Promise<string> {
    if (this.#dir) return this.#dir;
    if (this.#o.dir) {
      await mkdir(this.#o.dir, { recursive: true });
      this.#dir = this.#o.dir;
      await this.#scan(this.#o.dir, "");
    } else {
      this.#dir = await mkdtemp(join(tmpdir(), "pikvm-msd-"));
      this.#temp = true;
    }
    return this.#dir;
  }

  get used(): number {
    let n = 0;
    for (const i of this.#images.values()) n += i.size;
    return n;
  }

  state(): Record<string, unknown> {
    const images: Record<string, unknown> = {};
    for (const [name, i] of [...this.#images].sort(([a], [b]) => (a < b ? -1 : 1)))
      images[name] = { complete: i.complete, mod_ts: i.modTs, removable: true, size: i.size, writable: false };
    const sel = this.drive.image ? this.#images.get(this.drive.image) : undefined;
    return {
      enabled: true,
      online: true,
      busy: this.busy,
      storage: {
        parts: { "": { size: this.storageBytes, free: this.storageBytes - this.used, writable: true } },
        images,
        downloading: null,
        uploading: this.uploading ? { ...this.uploading } : null,
      },
      drive: {
        image:
          sel && this.drive.image
            ? {
                name: this.drive.image,
                size: sel.size,
                complete: sel.complete,
                in_storage: true,
                mod_ts: sel.modTs,
                removable: true,
                writable: false,
              }
            : null,
        cdrom: this.drive.cdrom,
        rw: this.drive.rw,
        connected: this.drive.connected,
      },
    };
  }

  setParams(p: { image?: string; cdrom?: boolean; rw?: boolean }): void {
    this.#notBusy();
    if (this.drive.connected)
      throw err("MsdConnectedError", "MSD is connected to Server, but shouldn't for this operation");
    if (p.image !== undefined) {
      if (p.image === "") this.drive.image = null;
      else if (!this.#images.get(p.image)?.complete)
        throw err("MsdUnknownImageError", "The image is not found in the storage");
      else this.drive.image = p.image;
    }
    if (p.cdrom !== undefined) this.drive.cdrom = p.cdrom;
    if (p.rw !== undefined) this.drive.rw = p.rw;
    if (this.drive.cdrom) this.drive.rw = false;
    this.emit("state");
  }

  setConnected(connected: boolean): void {
    this.#notBusy();
    if (connected && this.drive.connected)
      throw err("MsdConnectedError", "MSD is connected to Server, but shouldn't for this operation");
    if (!connected && !this.drive.connected)
      throw err("MsdDisconnectedError", "MSD is disconnected from Server, but should be for this operation");
    if (connected && !this.drive.image) throw err("MsdImageNotSelected", "The image is not selected");
    this.drive.connected = connected;
    this.emit("state");
  }

  /** Streams a request body into a new image; `size` is the announced length. */
  async write(name: string, size: number, body: IncomingMessage, removeIncomplete: boolean): Promise<number> {
    this.#notBusy();
    if (this.drive.connected)
      throw err("MsdConnectedError", "MSD is connected to Server, but shouldn't for this operation");
    if (this.#images.has(name)) throw err("MsdImageExistsError", "This image is already exists");
    if (size > this.storageBytes - this.used)
      throw err(
        "MsdStorageFullError",
        `Not enough free space: ${size} bytes asked, ${this.storageBytes - this.used} free`,
      );
    const dir = await this.dir();
    const path = join(dir, name);
    await mkdir(join(path, ".."), { recursive: true });
    this.busy = true;
    this.uploading = { name, size, written: 0 };
    const image: Image = { size: 0, complete: false, modTs: Date.now() / 1000 };
    this.#images.set(name, image);
    this.emit("state");
    const out = createWriteStream(path);
    let last = 0;
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        if (this.uploading.written + chunk.length > size) throw err("MsdStorageFullError", "More data than announced");
        if (!out.write(chunk)) await new Promise<void>((r) => out.once("drain", () => r()));
        this.uploading.written += chunk.length;
        image.size = this.uploading.written;
        // Progress in the state (and its events) about every 64 KiB, not per chunk.
        if (this.uploading.written - last >= 65536) {
          last = this.uploading.written;
          this.emit("state");
        }
      }
      await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
      const written = this.uploading.written;
      image.complete = written === size;
      if (!image.complete && removeIncomplete) await this.#drop(name);
      return written;
    } catch (e) {
      out.destroy();
      if (removeIncomplete) await this.#drop(name);
      throw e;
    } finally {
      this.busy = false;
      this.uploading = null;
      this.emit("state");
    }
  }

  async remove(name: string): Promise<void> {
    this.#notBusy();
    if (!this.#images.has(name)) throw err("MsdUnknownImageError", "The image is not found in the storage");
    if (this.drive.image === name && this.drive.connected)
      throw err("MsdConnectedError", "MSD is connected to Server, but shouldn't for this operation");
    await this.#drop(name);
    if (this.drive.image === name) this.drive.image = null;
    this.emit("state");
  }

  reset(): void {
    this.drive = { image: null, cdrom: true, rw: false, connected: false };
    this.emit("state");
  }

  async close(): Promise<void> {
    if (this.#temp && this.#dir) await rm(this.#dir, { recursive: true, force: true });
    this.#dir = undefined;
    this.#temp = false;
  }

  async #drop(name: string): Promise<void> {
    this.#images.delete(name);
    if (this.#dir) await rm(join(this.#dir, name), { force: true });
  }

  #notBusy(): void {
    if (this.busy) throw err("MsdIsBusyError", "Performing another MSD operation, please try again later", 409);
  }

  async #scan(dir: string, prefix: string): Promise<void> {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      if (e.name.startsWith(".")) continue;
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isDirectory()) await this.#scan(join(dir, e.name), rel);
      else if (e.isFile()) {
        const st = await stat(join(dir, e.name));
        this.#images.set(rel, { size: st.size, complete: true, modTs: st.mtimeMs / 1000 });
      }
    }
  }
}
