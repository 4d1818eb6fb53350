import { Link } from "react-router";
import { EmptyState } from "../../components/ui/states";

export default function NotFoundPage() {
  return (
    <EmptyState title="Page not found" action={<Link className="btn" to="/">Back to the overview</Link>}>
      There is nothing at this address.
    </EmptyState>
  );
}
