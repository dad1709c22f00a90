import * as fs from "node:fs"
import * as nodePath from "node:path"
import { NodeFileSystem, NodePath } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer } from "effect"
import { executeMemoryCommand, type MemoryCommand } from "../../../src/anthropic/internal/memoryCommands.js"
import * as MemoryStore from "../../../src/anthropic/MemoryStore.js"
import { scratchFolder } from "../../support/scratchFolder.js"

const temporary = scratchFolder("memory")
let folders = 0
const freshFolder = () => nodePath.join(temporary, `store-${folders++}`)

const platform = Layer.merge(NodeFileSystem.layer, NodePath.layer)
const fileSystemStore = (root: string) => MemoryStore.layerFileSystem(root).pipe(Layer.provide(platform), Layer.orDie)

const run = (command: MemoryCommand) => executeMemoryCommand(command)

describe("#16 point 3: MemoryStore.parsePath, paths stay inside /memories", () => {
  const accepted: ReadonlyArray<readonly [string, ReadonlyArray<string>]> = [
    ["/memories", []],
    ["/memories/", []],
    ["/memories/notes.md", ["notes.md"]],
    ["/memories/a/b c/ü.txt", ["a", "b c", "ü.txt"]],
    ["/memories/100%.txt", ["100%.txt"]]
  ]
  for (const [path, segments] of accepted) {
    it(`accepts ${path}`, () => expect(Either.getOrThrow(MemoryStore.parsePath(path))).toEqual(segments))
  }
  const rejected: ReadonlyArray<readonly [string, string]> = [
    ["/etc/passwd", "memory paths start with /memories"],
    ["memories/a", "memory paths start with /memories"],
    ["/memoriesX/a", "memory paths start with /memories"],
    ["/memories/../etc/passwd", "'..' is not allowed"],
    ["/memories/a/../../b", "'..' is not allowed"],
    ["/memories/./a", "'.' is not allowed"],
    ["/memories//a", "empty segment"],
    ["/memories/%2e%2e/secret", "encoded separators or dots are not allowed"],
    ["/memories/a%2fb", "encoded separators or dots are not allowed"],
    ["/memories/%E0%A4%A", "malformed percent-encoding"],
    ["/memories/a\\..\\b", "backslashes are not allowed"],
    ["/memories/a\u0000b", "control characters are not allowed"],
    [`/memories/${"x".repeat(256)}`, "a name is longer than 255 bytes"],
    [`/memories/${"é".repeat(128)}`, "a name is longer than 255 bytes"],
    [`/memories/${"a/".repeat(600)}a`, "longer than 1024 characters"]
  ]
  for (const [path, why] of rejected) {
    it(`rejects ${JSON.stringify(path.slice(0, 40))}: ${why}`, () => {
      const result = MemoryStore.parsePath(path)
      expect(Either.isLeft(result) && result.left.reason).toBe("InvalidPath")
      expect(Either.isLeft(result) && result.left.message).toContain(why)
    })
  }
})

const stores: ReadonlyArray<readonly [string, () => Layer.Layer<MemoryStore.MemoryStore>]> = [
  ["in memory", () => MemoryStore.layerMemory()],
  ["in a folder", () => fileSystemStore(freshFolder())]
]

for (const [name, layer] of stores) {
  describe(`#16 point 3: memory tool commands, store ${name}`, () => {
    it.effect("create, view, str_replace, insert, rename, delete", () =>
      Effect.gen(function* () {
        expect(
          yield* run({ command: "create", path: "/memories/notes/city.md", file_text: "Lives in Paris.\nLikes tea." })
        ).toBe("Created /memories/notes/city.md")
        expect(yield* run({ command: "create", path: "/memories/todo.md", file_text: "x" })).toBe(
          "Created /memories/todo.md"
        )
        expect(yield* run({ command: "view", path: "/memories" })).toBe(
          [
            "Files and folders in /memories, two levels deep (hidden items and node_modules left out):",
            "27B\t/memories/",
            "26B\t/memories/notes/",
            "26B\t/memories/notes/city.md",
            "1B\t/memories/todo.md"
          ].join("\n")
        )
        expect(yield* run({ command: "view", path: "/memories/notes/city.md" })).toBe(
          "Contents of /memories/notes/city.md, with line numbers:\n     1\tLives in Paris.\n     2\tLikes tea."
        )
        expect(yield* run({ command: "view", path: "/memories/notes/city.md", view_range: [2, -1] })).toBe(
          "Lines 2 to 2 of /memories/notes/city.md:\n     2\tLikes tea."
        )
        expect(yield* run({ command: "view", path: "/memories/notes/city.md", view_range: [3, 4] })).toContain(
          "Error: view_range [3, 4] is outside /memories/notes/city.md, which has 2 lines"
        )
        expect(
          yield* run({
            command: "str_replace",
            path: "/memories/notes/city.md",
            old_str: "Paris",
            new_str: "Mexico City"
          })
        ).toBe("Edited /memories/notes/city.md at line 1")
        expect(
          yield* run({ command: "str_replace", path: "/memories/notes/city.md", old_str: "Lyon", new_str: "x" })
        ).toBe("Error: Nothing replaced: old_str does not appear verbatim in /memories/notes/city.md")
        expect(
          yield* run({ command: "insert", path: "/memories/notes/city.md", insert_line: 1, insert_text: "Has a cat." })
        ).toBe("Inserted text after line 1 of /memories/notes/city.md")
        expect(
          yield* run({ command: "str_replace", path: "/memories/notes/city.md", old_str: "s", new_str: "" })
        ).toContain(
          "Error: Nothing replaced: old_str appears 3 times in /memories/notes/city.md (lines 1, 2, 3); make it unique"
        )
        expect(
          yield* run({ command: "insert", path: "/memories/notes/city.md", insert_line: 9, insert_text: "x" })
        ).toBe("Error: insert_line 9 is outside /memories/notes/city.md: use 0 to 3 (the line to insert after)")
        expect(yield* run({ command: "view", path: "/memories/notes/city.md" })).toBe(
          "Contents of /memories/notes/city.md, with line numbers:\n     1\tLives in Mexico City.\n     2\tHas a cat.\n     3\tLikes tea."
        )
        expect(yield* run({ command: "create", path: "/memories/todo.md", file_text: "y" })).toBe(
          "Error: /memories/todo.md already exists: edit it with str_replace or insert, or delete it first"
        )
        expect(
          yield* run({ command: "rename", old_path: "/memories/notes", new_path: "/memories/archive/notes" })
        ).toBe("Renamed /memories/notes to /memories/archive/notes")
        expect(yield* run({ command: "rename", old_path: "/memories/todo.md", new_path: "/memories/archive" })).toBe(
          "Error: The path /memories/archive already exists"
        )
        expect(yield* run({ command: "view", path: "/memories/archive/notes/city.md", view_range: [1, 1] })).toBe(
          "Lines 1 to 1 of /memories/archive/notes/city.md:\n     1\tLives in Mexico City."
        )
        expect(yield* run({ command: "delete", path: "/memories/archive" })).toBe("Deleted /memories/archive")
        expect(yield* run({ command: "view", path: "/memories/archive/notes/city.md" })).toBe(
          "Error: The path /memories/archive/notes/city.md does not exist"
        )
        expect(yield* run({ command: "delete", path: "/memories" })).toBe(
          "Error: /memories itself cannot be removed or renamed"
        )
        expect(yield* run({ command: "view", path: "/memories/../../etc/passwd" })).toBe(
          `Error: Invalid path "/memories/../../etc/passwd": '..' is not allowed`
        )
        expect(yield* run({ command: "create", path: "/memories/todo.md/x", file_text: "" })).toMatch(/^Error: /)
      }).pipe(Effect.provide(layer()))
    )
  })
}

describe("#16 point 3: file-system store, symbolic links never lead out of the root", () => {
  const outside = () => {
    const folder = freshFolder()
    fs.mkdirSync(folder, { recursive: true })
    fs.writeFileSync(nodePath.join(folder, "secret.txt"), "top secret")
    return folder
  }

  it.effect("a folder linked to the outside is neither read nor written", () => {
    const root = freshFolder()
    const secrets = outside()
    fs.mkdirSync(root, { recursive: true })
    fs.symlinkSync(secrets, nodePath.join(root, "linked"), "dir")
    return Effect.gen(function* () {
      const escaped = "Error: /memories/linked/secret.txt leads outside the memory folder"
      expect(yield* run({ command: "view", path: "/memories/linked/secret.txt" })).toBe(escaped)
      expect(yield* run({ command: "delete", path: "/memories/linked/secret.txt" })).toBe(escaped)
      expect(yield* run({ command: "create", path: "/memories/linked/new.txt", file_text: "x" })).toBe(
        "Error: /memories/linked/new.txt leads outside the memory folder"
      )
      expect(yield* run({ command: "view", path: "/memories/linked" })).toBe(
        "Error: /memories/linked leads outside the memory folder"
      )
      expect(fs.readdirSync(secrets)).toEqual(["secret.txt"])
      expect(fs.readFileSync(nodePath.join(secrets, "secret.txt"), "utf8")).toBe("top secret")
    }).pipe(Effect.provide(fileSystemStore(root)))
  })

  it.effect("a file link to the outside, even a dangling one, is refused", () => {
    const root = freshFolder()
    const secrets = outside()
    fs.mkdirSync(root, { recursive: true })
    fs.symlinkSync(nodePath.join(secrets, "secret.txt"), nodePath.join(root, "file-link"))
    fs.symlinkSync(nodePath.join(secrets, "planted.txt"), nodePath.join(root, "dangling"))
    return Effect.gen(function* () {
      expect(yield* run({ command: "view", path: "/memories/file-link" })).toBe(
        "Error: /memories/file-link leads outside the memory folder"
      )
      expect(
        yield* run({ command: "str_replace", path: "/memories/file-link", old_str: "top", new_str: "no" })
      ).toMatch(/leads outside/)
      expect(yield* run({ command: "create", path: "/memories/dangling", file_text: "planted" })).toBe(
        "Error: /memories/dangling leads outside the memory folder"
      )
      expect(fs.existsSync(nodePath.join(secrets, "planted.txt"))).toBe(false)
      expect(fs.readFileSync(nodePath.join(secrets, "secret.txt"), "utf8")).toBe("top secret")
    }).pipe(Effect.provide(fileSystemStore(root)))
  })

  it.effect("a root that is itself a link is resolved once, and files under it are fine", () => {
    const target = freshFolder()
    fs.mkdirSync(target, { recursive: true })
    const root = freshFolder()
    fs.symlinkSync(target, root, "dir")
    return Effect.gen(function* () {
      expect(yield* run({ command: "create", path: "/memories/a.md", file_text: "ok" })).toBe("Created /memories/a.md")
      expect(fs.readFileSync(nodePath.join(target, "a.md"), "utf8")).toBe("ok")
    }).pipe(Effect.provide(fileSystemStore(root)))
  })
})
