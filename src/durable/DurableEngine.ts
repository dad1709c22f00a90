/**
 * Engines that execute and store durable runs, as Layers of `WorkflowEngine`:
 * - `layerMemory`: nothing survives the process; for tests.
 * - `layerSqlite({ filename })`: an embedded SQLite file (libsql, whose binary ships inside its npm
 *   package): one command, no server.
 * - `layerPostgres({ url })`: PostgreSQL, shared by several worker processes or machines.
 * - `layerSql()`: any `@effect/sql` client the program provides.
 *
 * The persistent engines are `@effect/cluster`'s: runs are entities sharded over the workers
 * sharing the store, each run executed by one worker at a time; a worker that starts takes its
 * shards and resumes the unfinished runs stored in them.
 *
 * @example
 * import { DurableEngine } from "effect-claude/durable"
 *
 * const engine = DurableEngine.layerSqlite({ filename: "runs.db" })
 */
import * as ClusterWorkflowEngine from "@effect/cluster/ClusterWorkflowEngine"
import type * as ShardingConfig from "@effect/cluster/ShardingConfig"
import * as SingleRunner from "@effect/cluster/SingleRunner"
import { SqlClient } from "@effect/sql/SqlClient"
import * as WorkflowEngine from "@effect/workflow/WorkflowEngine"
import type * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"

/**
 * Options of the persistent engines.
 *
 * @since 0.1.0
 * @category models
 */
export interface SqlOptions {
  /**
   * How runs are sharded: each worker sharing a store needs its own `runnerAddress`; the defaults
   * suit one worker.
   */
  readonly shardingConfig?: Partial<ShardingConfig.ShardingConfig["Type"]> | undefined
}

/**
 * An engine keeping everything in memory: runs survive nothing; for tests.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerMemory: Layer.Layer<WorkflowEngine.WorkflowEngine> = WorkflowEngine.layerMemory

/**
 * A persistent engine storing runs through the `SqlClient` the program provides (SQLite, PostgreSQL, MySQL).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerSql = (
  options?: SqlOptions
): Layer.Layer<WorkflowEngine.WorkflowEngine, ConfigError.ConfigError, SqlClient> =>
  ClusterWorkflowEngine.layer.pipe(
    Layer.provide(SingleRunner.layer({ runnerStorage: "sql", shardingConfig: options?.shardingConfig }))
  )

// The drivers are optional peers: each is loaded only by the engine that uses it.
const loadDriver = <A>(name: string, load: () => Promise<A>): Effect.Effect<A> =>
  Effect.orDieWith(
    Effect.tryPromise(load),
    (cause) => new Error(`The durable engine needs the package ${name}; install it (${String(cause)})`)
  )

// A write-ahead log makes each stored step one append (and one sync) instead of a rewrite of the
// journal; the mode is kept in the file.
const writeAheadLog = Layer.effectDiscard(
  Effect.flatMap(SqlClient, (sql) => Effect.orDie(sql.unsafe("PRAGMA journal_mode = WAL")))
).pipe(Layer.passthrough)

/**
 * Options of `layerSqlite`.
 *
 * @since 0.1.0
 * @category models
 */
export interface SqliteOptions extends SqlOptions {
  /** The database file, created when missing. */
  readonly filename: string
}

/**
 * A persistent engine in an embedded SQLite file (`@effect/sql-libsql`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerSqlite = (
  options: SqliteOptions
): Layer.Layer<WorkflowEngine.WorkflowEngine, ConfigError.ConfigError> =>
  Layer.unwrapEffect(
    Effect.map(
      loadDriver("@effect/sql-libsql", () => import("@effect/sql-libsql/LibsqlClient")),
      (Libsql) =>
        layerSql(options).pipe(
          Layer.provide(writeAheadLog),
          // The cluster's snowflake ids are 64-bit integers: read them as bigints, not lossy numbers.
          Layer.provide(Libsql.layer({ url: `file:${options.filename}`, intMode: "bigint" }))
        )
    )
  )

/**
 * Options of `layerPostgres`.
 *
 * @since 0.1.0
 * @category models
 */
export interface PostgresOptions extends SqlOptions {
  /** `postgres://user:password@host:port/database` */
  readonly url: Redacted.Redacted
}

/**
 * A persistent engine on PostgreSQL (`@effect/sql-pg`), which several workers may share.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerPostgres = (
  options: PostgresOptions
): Layer.Layer<WorkflowEngine.WorkflowEngine, ConfigError.ConfigError | Error> =>
  Layer.unwrapEffect(
    Effect.map(
      loadDriver("@effect/sql-pg", () => import("@effect/sql-pg/PgClient")),
      (Pg) => layerSql(options).pipe(Layer.provide(Pg.layer({ url: options.url })))
    )
  )
