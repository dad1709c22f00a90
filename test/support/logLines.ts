import { readFileSync } from "node:fs"

/** The non-empty lines a test fixture logged to `file` (none when it has not written it yet). */
export const logLines = (file: string): ReadonlyArray<string> => {
  try {
    return readFileSync(file, "utf8")
      .split("\n")
      .filter((line) => line !== "")
  } catch {
    return []
  }
}
