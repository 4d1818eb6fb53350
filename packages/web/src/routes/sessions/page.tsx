import { PageHeader } from "../../components/ui/states";

export default function Page() {
  return <PageHeader title="Sessions" description="Coming soon." />;
}
