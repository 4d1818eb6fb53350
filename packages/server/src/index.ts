export { loadConfig, databasePath, defaultDataDir, DEFAULT_HOST, DEFAULT_PORT, type ServerConfig } from "./config.js";
export { startServer, openStore, baseUrl, type RunningServer } from "./server.js";
export { createApp } from "./app.js";
export { createLogger, type Logger } from "./logger.js";
export { AccountsService } from "./services/accounts.js";
export { openSqliteStore } from "./store/sqlite/open.js";
export type { Store } from "./store/types.js";
export { VERSION } from "./version.js";
export { ensureDeviceKey, ensureLocalOwner, deviceKeyPath, localOwnerEmail, type DeviceIdentity } from "./services/local-owner.js";
