import { useEffect } from "react";
import { useLocation } from "react-router";
import { useMe } from "../../api/auth";
import { LoadingBlock, PageHeader } from "../../components/ui/states";
import { AgentsSection } from "./agents-section";
import { DangerSection } from "./danger-section";
import { KeysSection } from "./keys-section";
import { LogsSection } from "./logs-section";
import { ProfileSection } from "./profile-section";
import { SearchSection } from "./search-section";
import { UsersSection } from "./users-section";

const SECTIONS = [
  ["profile", "Profile"],
  ["keys", "API keys"],
  ["agents", "Agents"],
  ["search", "Search"],
  ["requests", "Requests"],
  ["users", "Users"],
  ["danger", "Danger zone"],
] as const;

export default function SettingsPage() {
  const me = useMe();
  const { hash } = useLocation();
  // `/settings#keys` (from the empty overview) lands on its section once the page has rendered.
  useEffect(() => {
    if (hash && me.data) document.getElementById(hash.slice(1))?.scrollIntoView();
  }, [hash, me.data]);
  if (!me.data) return <LoadingBlock rows={4} label="Loading settings" />;
  const user = me.data;
  const sections = SECTIONS.filter(([id]) => id !== "users" || user.role === "owner");
  return (
    <>
      <PageHeader title="Settings" description={`Signed in as ${user.email}`} />
      <nav aria-label="Settings sections" className="mb-4 flex flex-wrap gap-1.5">
        {sections.map(([id, label]) => (
          <a key={id} href={`#${id}`} className="rounded-full border border-zinc-200 px-3 py-1 text-xs font-medium hover:bg-zinc-100 dark:border-zinc-800 dark:hover:bg-zinc-800">
            {label}
          </a>
        ))}
      </nav>
      <div className="space-y-4">
        <ProfileSection user={user} />
        <KeysSection />
        <AgentsSection />
        <SearchSection isOwner={user.role === "owner"} />
        <LogsSection />
        {user.role === "owner" && <UsersSection me={user} />}
        <DangerSection user={user} />
      </div>
    </>
  );
}
