import { PageHeader } from "../../components/ui/states";

export default function Page() {
  return <PageHeader title="Analytics" description="Coming soon." />;
}
