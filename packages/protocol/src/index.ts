export * from "./fields.js";
export * from "./sources.js";
export * from "./sync.js";
export * from "./read.js";
export * from "./search.js";
export * from "./auth.js";
export * from "./errors.js";
export * from "./client.js";
