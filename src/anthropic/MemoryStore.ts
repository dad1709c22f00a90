/**
 * Where the memory tool keeps its files: a small file tree behind a service, in memory
 * (`layerMemory`, for tests and short-lived agents) or in a folder (`layerFileSystem`).
 *
 * Paths come from the model, so they are untrusted: `parsePath` accepts only `/memories` and
 * paths below it made of plain names, and rejects `..`, `.`, empty and encoded segments,
 * backslashes, control characters and overlong names. The file-system store also refuses any
 * path whose real location (after symbolic links) leaves its root.
 *
 * @example
 * import { NodeContext } from "@effect/platform-node"
 * import { Effect } from "effect"
 * import { MemoryStore } from "effect-claude/anthropic"
 *
 * const program = Effect.gen(function* () {
 *   const store = yield* MemoryStore.MemoryStore
 *   const path = yield* MemoryStore.parsePath("/memories/notes.md")
 *   yield* store.writeFile(path, "The user lives in Mexico City.")
 * }).pipe(Effect.provide(MemoryStore.layerFileSystem("/tmp/agent-memory")), Effect.provide(NodeContext.layer))
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"

/**
 * The folder every memory path starts with.
 *
 * @since 0.1.0
 * @category utils
 */
export const rootName = "/memories"

/**
 * The longest name one path segment may have (bytes in UTF-8, as most file systems count).
 *
 * @since 0.1.0
 * @category utils
 */
export const maxNameBytes = 255

/**
 * The longest path accepted, in characters.
 *
 * @since 0.1.0
 * @category utils
 */
export const maxPathLength = 1024

/**
 * A memory operation failed; `message` is what the model is told.
 *
 * @since 0.1.0
 * @category errors
 */
export class MemoryStoreError extends Schema.TaggedError<MemoryStoreError>(
  "effect-claude/MemoryStore/MemoryStoreError"
)("MemoryStoreError", {
  reason: Schema.Literal("InvalidPath", "NotFound", "AlreadyExists", "IsDirectory", "NotDirectory", "Escape", "Io"),
  message: Schema.String
}) {}

/**
 * A validated path below the store's root, as its names (empty for the root itself).
 *
 * @since 0.1.0
 * @category models
 */
export type MemoryPath = ReadonlyArray<string>

/**
 * A file or folder found by `list`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Entry {
  readonly name: string
  readonly kind: "file" | "directory"
  /** Size in bytes (UTF-8) for files, 0 for folders. */
  readonly size: number
}

/**
 * The operations the memory tool needs. Parent folders are created by `writeFile`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly kind: (path: MemoryPath) => Effect.Effect<"file" | "directory" | "missing", MemoryStoreError>
  readonly readFile: (path: MemoryPath) => Effect.Effect<string, MemoryStoreError>
  readonly writeFile: (path: MemoryPath, content: string) => Effect.Effect<void, MemoryStoreError>
  /** The direct children of a folder, sorted by name. */
  readonly list: (path: MemoryPath) => Effect.Effect<ReadonlyArray<Entry>, MemoryStoreError>
  /** Removes a file, or a folder with everything in it. */
  readonly remove: (path: MemoryPath) => Effect.Effect<void, MemoryStoreError>
  readonly rename: (from: MemoryPath, to: MemoryPath) => Effect.Effect<void, MemoryStoreError>
}

/**
 * The memory store the memory tool reads and writes.
 *
 * @since 0.1.0
 * @category tags
 */
export class MemoryStore extends Context.Tag("effect-claude/MemoryStore")<MemoryStore, Service>() {}

const invalid = (path: string, why: string) =>
  new MemoryStoreError({ reason: "InvalidPath", message: `Invalid path ${JSON.stringify(path)}: ${why}` })

const hasControlCharacter = (text: string): boolean => {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index)
    if (code < 0x20 || code === 0x7f) return true
  }
  return false
}

/** Why one segment of a path is not a plain name, or undefined when it is one. */
const segmentProblem = (segment: string): string | undefined => {
  if (segment === "") return "empty segment"
  if (segment === "." || segment === "..") return `'${segment}' is not allowed`
  if (segment.includes("\\")) return "backslashes are not allowed"
  if (hasControlCharacter(segment)) return "control characters are not allowed"
  if (new TextEncoder().encode(segment).length > maxNameBytes) return `a name is longer than ${maxNameBytes} bytes`
  // An encoded `..` or separator would be decoded by some store behind this one.
  if (/%[0-9a-f]{2}/i.test(segment)) {
    let decoded: string
    try {
      decoded = decodeURIComponent(segment)
    } catch {
      return "malformed percent-encoding"
    }
    if (decoded === "." || decoded === ".." || /[/\\]/.test(decoded))
      return "encoded separators or dots are not allowed"
  }
  return undefined
}

/**
 * Validates a path the model sent (`/memories` or below) into the names below the root.
 *
 * @since 0.1.0
 * @category utils
 */
export const parsePath = (path: string): Either.Either<MemoryPath, MemoryStoreError> => {
  if (path.length > maxPathLength)
    return Either.left(invalid(path.slice(0, 64), `longer than ${maxPathLength} characters`))
  if (path !== rootName && !path.startsWith(`${rootName}/`)) {
    return Either.left(invalid(path, `memory paths start with ${rootName}`))
  }
  const rest = path.slice(rootName.length + 1)
  // A trailing slash names the same folder.
  const trimmed = rest.endsWith("/") ? rest.slice(0, -1) : rest
  if (trimmed === "") return Either.right([])
  const segments = trimmed.split("/")
  for (const segment of segments) {
    const problem = segmentProblem(segment)
    if (problem !== undefined) return Either.left(invalid(path, problem))
  }
  return Either.right(segments)
}

/**
 * The path as the model writes it.
 *
 * @since 0.1.0
 * @category utils
 */
export const formatPath = (path: MemoryPath): string => (path.length === 0 ? rootName : `${rootName}/${path.join("/")}`)

const notFound = (path: MemoryPath) =>
  new MemoryStoreError({ reason: "NotFound", message: `The path ${formatPath(path)} does not exist` })
const alreadyExists = (path: MemoryPath) =>
  new MemoryStoreError({ reason: "AlreadyExists", message: `The path ${formatPath(path)} already exists` })
const isDirectory = (path: MemoryPath) =>
  new MemoryStoreError({ reason: "IsDirectory", message: `${formatPath(path)} is a directory` })
const notDirectory = (path: MemoryPath) =>
  new MemoryStoreError({ reason: "NotDirectory", message: `${formatPath(path)} is not a directory` })
const rootUntouchable = () =>
  new MemoryStoreError({ reason: "InvalidPath", message: `${rootName} itself cannot be removed or renamed` })

const utf8Length = (text: string) => new TextEncoder().encode(text).length

// ---------------------------------------------------------------------------------------------
// In memory
// ---------------------------------------------------------------------------------------------

const key = (path: MemoryPath) => path.join("/")
const isBelow = (file: string, folder: MemoryPath) => folder.length === 0 || file.startsWith(`${key(folder)}/`)

/**
 * A store in a `Map`, gone with the Layer; `initial` maps paths below `/memories` to contents.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeMemory = (initial: Readonly<Record<string, string>> = {}): Effect.Effect<Service> =>
  Effect.gen(function* () {
    const files = yield* Ref.make(new Map(Object.entries(initial)))
    const kindIn = (map: ReadonlyMap<string, string>, path: MemoryPath): "file" | "directory" | "missing" => {
      if (path.length === 0) return "directory"
      if (map.has(key(path))) return "file"
      for (const file of map.keys()) if (isBelow(file, path)) return "directory"
      return "missing"
    }
    const kind = (path: MemoryPath) => Effect.map(Ref.get(files), (map) => kindIn(map, path))
    const readFile = (path: MemoryPath) =>
      Effect.flatMap(Ref.get(files), (map) => {
        const content = map.get(key(path))
        if (content !== undefined) return Effect.succeed(content)
        return Effect.fail(kindIn(map, path) === "directory" ? isDirectory(path) : notFound(path))
      })
    const writeFile = (path: MemoryPath, content: string) =>
      Effect.flatMap(Ref.get(files), (map) => {
        if (kindIn(map, path) === "directory") return Effect.fail(isDirectory(path))
        for (let end = 1; end < path.length; end++) {
          if (map.has(key(path.slice(0, end)))) return Effect.fail(notDirectory(path.slice(0, end)))
        }
        return Ref.update(files, (current) => new Map(current).set(key(path), content))
      })
    const list = (path: MemoryPath) =>
      Effect.flatMap(Ref.get(files), (map) => {
        const found = kindIn(map, path)
        if (found === "missing") return Effect.fail(notFound(path))
        if (found === "file") return Effect.fail(notDirectory(path))
        const entries = new Map<string, Entry>()
        for (const [file, content] of map) {
          if (!isBelow(file, path)) continue
          const names = file.split("/").slice(path.length)
          const name = names[0]!
          entries.set(
            name,
            names.length === 1
              ? { name, kind: "file", size: utf8Length(content) }
              : { name, kind: "directory", size: 0 }
          )
        }
        return Effect.succeed([...entries.values()].sort((a, b) => a.name.localeCompare(b.name)))
      })
    const remove = (path: MemoryPath) =>
      Effect.flatMap(Ref.get(files), (map) => {
        if (path.length === 0) return Effect.fail(rootUntouchable())
        if (kindIn(map, path) === "missing") return Effect.fail(notFound(path))
        const next = new Map([...map].filter(([file]) => file !== key(path) && !isBelow(file, path)))
        return Ref.set(files, next)
      })
    const rename = (from: MemoryPath, to: MemoryPath) =>
      Effect.flatMap(Ref.get(files), (map) => {
        if (from.length === 0 || to.length === 0) return Effect.fail(rootUntouchable())
        const source = kindIn(map, from)
        if (source === "missing") return Effect.fail(notFound(from))
        if (kindIn(map, to) !== "missing") return Effect.fail(alreadyExists(to))
        if (isBelow(key(to), from)) return Effect.fail(invalid(formatPath(to), "a folder cannot move into itself"))
        const next = new Map<string, string>()
        for (const [file, content] of map) {
          if (file === key(from)) next.set(key(to), content)
          else if (source === "directory" && isBelow(file, from))
            next.set(`${key(to)}${file.slice(key(from).length)}`, content)
          else next.set(file, content)
        }
        return Ref.set(files, next)
      })
    return { kind, readFile, writeFile, list, remove, rename }
  })

/**
 * A store in memory, empty or with `initial` files (paths below `/memories`, e.g. `notes/a.md`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerMemory = (initial?: Readonly<Record<string, string>>): Layer.Layer<MemoryStore> =>
  Layer.effect(MemoryStore, makeMemory(initial))

// ---------------------------------------------------------------------------------------------
// In a folder
// ---------------------------------------------------------------------------------------------

/** Whether `error` is a platform error with this `reason`. */
const hasReason = (error: unknown, reason: string): boolean =>
  typeof error === "object" && error !== null && "reason" in error && error.reason === reason

/**
 * A store in the folder `root` (created if missing), through `@effect/platform`'s `FileSystem`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeFileSystem = (
  root: string
): Effect.Effect<Service, MemoryStoreError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const paths = yield* Path.Path
    const io = (path: MemoryPath) => (error: unknown) => {
      if (hasReason(error, "NotFound")) return notFound(path)
      if (hasReason(error, "AlreadyExists")) return alreadyExists(path)
      return new MemoryStoreError({ reason: "Io", message: `Could not access ${formatPath(path)}` })
    }
    yield* fs.makeDirectory(root, { recursive: true }).pipe(Effect.mapError(io([])))
    const realRoot = yield* fs.realPath(root).pipe(Effect.mapError(io([])))
    const inside = (real: string) => real === realRoot || real.startsWith(`${realRoot}${paths.sep}`)
    const leavesRoot = (path: MemoryPath) =>
      new MemoryStoreError({ reason: "Escape", message: `${formatPath(path)} leads outside the memory folder` })

    /** The real location of `path`, checked to stay in the root: of the path when it exists, else of its nearest existing folder. */
    const locate = (path: MemoryPath): Effect.Effect<string, MemoryStoreError> =>
      Effect.gen(function* () {
        const target = paths.join(realRoot, ...path)
        for (let end = path.length; end >= 0; end--) {
          const candidate = paths.join(realRoot, ...path.slice(0, end))
          const real = yield* fs.realPath(candidate).pipe(Effect.option)
          if (real._tag === "None") {
            // A link to nowhere: writing through it would create its target, wherever that is.
            const link = yield* fs.readLink(candidate).pipe(Effect.option)
            if (link._tag === "Some") return yield* leavesRoot(path)
            continue
          }
          if (!inside(real.value)) return yield* leavesRoot(path)
          return target
        }
        return target
      })
    const kind = (path: MemoryPath) =>
      Effect.flatMap(locate(path), (target) =>
        fs.stat(target).pipe(
          Effect.map((info) => (info.type === "Directory" ? ("directory" as const) : ("file" as const))),
          Effect.catchAll(() => Effect.succeed("missing" as const))
        )
      )
    const readFile = (path: MemoryPath) =>
      Effect.flatMap(kind(path), (found) =>
        found === "directory"
          ? Effect.fail(isDirectory(path))
          : found === "missing"
            ? Effect.fail(notFound(path))
            : Effect.flatMap(locate(path), (target) => fs.readFileString(target).pipe(Effect.mapError(io(path))))
      )
    const writeFile = (path: MemoryPath, content: string) =>
      Effect.gen(function* () {
        if ((yield* kind(path)) === "directory") return yield* isDirectory(path)
        const target = yield* locate(path)
        yield* fs.makeDirectory(paths.dirname(target), { recursive: true }).pipe(Effect.mapError(io(path.slice(0, -1))))
        // Checked again: a folder made above may be a link planted between the two steps.
        yield* locate(path)
        yield* fs.writeFileString(target, content).pipe(Effect.mapError(io(path)))
      })
    const list = (path: MemoryPath) =>
      Effect.gen(function* () {
        const found = yield* kind(path)
        if (found === "missing") return yield* notFound(path)
        if (found === "file") return yield* notDirectory(path)
        const target = yield* locate(path)
        const names = yield* fs.readDirectory(target).pipe(Effect.mapError(io(path)))
        const entries: Array<Entry> = []
        for (const name of names.sort()) {
          const info = yield* fs.stat(paths.join(target, name)).pipe(Effect.option)
          if (info._tag === "None") continue
          entries.push(
            info.value.type === "Directory"
              ? { name, kind: "directory", size: 0 }
              : { name, kind: "file", size: Number(info.value.size) }
          )
        }
        return entries
      })
    const remove = (path: MemoryPath) =>
      Effect.gen(function* () {
        if (path.length === 0) return yield* rootUntouchable()
        if ((yield* kind(path)) === "missing") return yield* notFound(path)
        const target = yield* locate(path)
        yield* fs.remove(target, { recursive: true }).pipe(Effect.mapError(io(path)))
      })
    const rename = (from: MemoryPath, to: MemoryPath) =>
      Effect.gen(function* () {
        if (from.length === 0 || to.length === 0) return yield* rootUntouchable()
        if ((yield* kind(from)) === "missing") return yield* notFound(from)
        if ((yield* kind(to)) !== "missing") return yield* alreadyExists(to)
        if (isBelow(key(to), from)) return yield* invalid(formatPath(to), "a folder cannot move into itself")
        const source = yield* locate(from)
        const target = yield* locate(to)
        yield* fs.makeDirectory(paths.dirname(target), { recursive: true }).pipe(Effect.mapError(io(to.slice(0, -1))))
        yield* fs.rename(source, target).pipe(Effect.mapError(io(from)))
      })
    return { kind, readFile, writeFile, list, remove, rename }
  })

/**
 * A store in the folder `root`; needs a `FileSystem` and a `Path` (e.g. `NodeContext.layer`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerFileSystem = (
  root: string
): Layer.Layer<MemoryStore, MemoryStoreError, FileSystem.FileSystem | Path.Path> =>
  Layer.effect(MemoryStore, makeFileSystem(root))
