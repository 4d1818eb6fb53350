/** How each agent is connected: the commands shown on the empty overview and in Settings. */
export interface AgentSetup {
  source: string;
  name: string;
  how: string;
  commands: string[];
}

export const AGENT_SETUPS: AgentSetup[] = [
  {
    source: "claude-code",
    name: "Claude Code",
    how: "Hooks sync each session when Claude Code stops or compacts.",
    commands: ["npx opensync setup claude-code"],
  },
  {
    source: "opencode",
    name: "OpenCode",
    how: "A plugin inside OpenCode uploads sessions as they change.",
    commands: ["npx opensync setup opencode"],
  },
  {
    source: "codex-cli",
    name: "Codex CLI",
    how: "Codex's notify hook triggers a sync after every turn.",
    commands: ["npx opensync setup codex"],
  },
  {
    source: "gemini-cli",
    name: "Gemini CLI",
    how: "No hooks: the watcher follows its session files.",
    commands: ["npx opensync watch --agent gemini-cli"],
  },
];

/** The display name of a source id (`claude-code` → "Claude Code"), the id itself when unknown. */
export function agentName(source: string | null | undefined): string {
  if (!source) return "Unknown";
  return AGENT_SETUPS.find((a) => a.source === source)?.name ?? source;
}
