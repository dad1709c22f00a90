/**
 * A fresh folder for a test's files, inside the run's scratch root (`scratchRoot.ts`), which is
 * removed when the run ends.
 */
import { mkdtempSync } from "node:fs"
import { join } from "node:path"
import { inject } from "vitest"

export const scratchFolder = (prefix: string): string => mkdtempSync(join(inject("scratchRoot"), `${prefix}-`))
