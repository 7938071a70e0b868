/**
 * Cache files that prove their own integrity: a first line "<magic> <sha256 of the rest>" and the body.
 * Writes go to a temporary sibling renamed into place (readers never see half a file); a read whose magic,
 * digest or body does not check out returns null, so a broken cache entry is a miss, never an error.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

export function readCheckedFile(file: string, magic: string): string | null {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return null;
  }
  const newline = text.indexOf("\n");
  if (newline < 0) return null;
  const header = text.slice(0, newline);
  const body = text.slice(newline + 1);
  if (header !== `${magic} ${sha256(body)}`) return null;
  return body;
}

export async function writeCheckedFile(file: string, magic: string, body: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    await writeFile(temp, `${magic} ${sha256(body)}\n${body}`);
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

export function sha256(text: string | Buffer): string {
  return createHash("sha256").update(text).digest("hex");
}
