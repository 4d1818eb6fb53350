import { PageHeader } from "../../components/ui/states";

export default function Page() {
  return <PageHeader title="Daily summary" description="Coming soon." />;
}
