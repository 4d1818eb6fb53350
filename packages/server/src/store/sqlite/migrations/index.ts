import type { Migration } from "kysely";
import { initial } from "./0001_initial.js";
import { boundedValues } from "./0002_bounded_values.js";
import { fulltext } from "./0003_fulltext.js";
import { embeddings } from "./0004_embeddings.js";
import { apiLogKeys } from "./0005_api_log_keys.js";
import { usageRollups } from "./0005_usage_rollups.js";
import { sessionsProviderIndex } from "./0006_sessions_provider_index.js";
import { usageRollupSplits } from "./0007_usage_rollup_splits.js";
import { embeddingQueue } from "./0008_embedding_queue.js";
import { embeddingJobsOrder } from "./0009_embedding_jobs_order.js";

/** Versioned migrations, applied in name order at start. Never edit one that has shipped: add one. */
export const sqliteMigrations: Record<string, Migration> = {
  "0001_initial": initial,
  "0002_bounded_values": boundedValues,
  "0003_fulltext": fulltext,
  "0004_embeddings": embeddings,
  "0005_api_log_keys": apiLogKeys,
  "0005_usage_rollups": usageRollups,
  "0006_sessions_provider_index": sessionsProviderIndex,
  "0007_usage_rollup_splits": usageRollupSplits,
  "0008_embedding_queue": embeddingQueue,
  "0009_embedding_jobs_order": embeddingJobsOrder,
};
