import { PageHeader } from "../../components/ui/states";

/** PLACEHOLDER: owned by the viewer/search engineer, who replaces this folder's page. */
export default function Page() {
  return <PageHeader title="Search" description="Coming soon." />;
}
