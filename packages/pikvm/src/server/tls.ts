import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

export interface TlsMaterial {
  cert: string;
  key: string;
}

/**
 * A throwaway self-signed certificate for 127.0.0.1/localhost (what a PiKVM ships with out of the box),
 * made by the system's `openssl` (EC P-256, 30 days) in a private temp directory that is removed at once.
 */
export async function generateSelfSignedCert(
  options: { hosts?: string[]; openssl?: string; days?: number } = {},
): Promise<TlsMaterial> {
  const hosts = options.hosts ?? ["127.0.0.1", "localhost"];
  const san = hosts.map((h) => (/^[\d.]+$|:/.test(h) ? `IP:${h}` : `DNS:${h}`)).join(",");
  const dir = await mkdtemp(join(tmpdir(), "pikvm-tls-"));
  try {
    const keyFile = join(dir, "key.pem");
    const certFile = join(dir, "cert.pem");
    await promisify(execFile)(options.openssl ?? "openssl", [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      keyFile,
      "-out",
      certFile,
      "-days",
      String(options.days ?? 30),
      "-subj",
      "/CN=pikvm-emulator",
      "-addext",
      `subjectAltName=${san}`,
    ]);
    return { cert: await readFile(certFile, "utf8"), key: await readFile(keyFile, "utf8") };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
