import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

export interface ProjectInfo {
  projectPath?: string;
  projectName: string;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Gemini names a project's temp dir after the project root: a sha256 of the path (older) or a
 * slug registered in `~/.gemini/projects.json` with the path in `<dir>/.project_root` (newer).
 * Hints, in order: `.project_root`, then the registry (by slug), then hashing the paths Gemini CLI
 * has registered or trusts.
 * Without either, the path stays unknown and the name is the dir name (hash: its first 8 chars).
 */
export async function resolveProject(chatFile: string): Promise<ProjectInfo> {
  const projectDir = projectDirOf(chatFile);
  if (!projectDir) return { projectName: "unknown" };
  const id = basename(projectDir);
  const geminiRoot = dirname(dirname(projectDir));

  const path = (await readProjectRoot(projectDir)) ?? (await lookUpRegistry(geminiRoot, id));
  if (path) return { projectPath: path, projectName: basename(path) || path };
  return { projectName: SHA256_HEX.test(id) ? id.slice(0, 8) : id };
}

/** `<root>/tmp/<id>` for `<root>/tmp/<id>/chats/[<parent>/]<file>`. */
function projectDirOf(chatFile: string): string | undefined {
  let dir = dirname(chatFile);
  for (let i = 0; i < 3; i++) {
    if (basename(dir) === "chats") return dirname(dir);
    dir = dirname(dir);
  }
  return undefined;
}

async function readProjectRoot(projectDir: string): Promise<string | undefined> {
  try {
    const text = (await readFile(join(projectDir, ".project_root"), "utf8")).trim();
    return text || undefined;
  } catch {
    return undefined;
  }
}

async function lookUpRegistry(geminiRoot: string, id: string): Promise<string | undefined> {
  const projects = await readJson(join(geminiRoot, "projects.json"));
  const registered = isObject(projects) && isObject(projects.projects) ? projects.projects : {};
  for (const [path, slug] of Object.entries(registered)) if (slug === id) return path;
  if (!SHA256_HEX.test(id)) return undefined;
  // A hash dir: the sha256 of a project root (packages/core/src/utils/paths.ts `getProjectHash`).
  // Candidates are the folders Gemini CLI has seen (projects.json) or trusts (trustedFolders.json).
  for (const path of [...Object.keys(registered), ...(await trustedFolders(geminiRoot))]) {
    if (createHash("sha256").update(path).digest("hex") === id) return path;
  }
  return undefined;
}

/**
 * Paths in `trustedFolders.json` (`{"<path>": "TRUST_FOLDER" | "TRUST_PARENT" | "DO_NOT_TRUST"}`,
 * comments allowed; packages/core/src/utils/trust.ts, 0.56 nightly). A `TRUST_PARENT` rule
 * trusts the folder that contains its path, so that folder is a candidate too.
 */
async function trustedFolders(geminiRoot: string): Promise<string[]> {
  const rules = await readJson(join(geminiRoot, "trustedFolders.json"));
  if (!isObject(rules)) return [];
  return Object.entries(rules).flatMap(([path, level]) => (level === "TRUST_PARENT" ? [path, dirname(path)] : [path]));
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch {
    try {
      return JSON.parse(text.replace(/^\s*\/\/.*$/gm, "")); // whole-line comments
    } catch {
      return undefined;
    }
  }
}
