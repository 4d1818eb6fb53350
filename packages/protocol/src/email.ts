// No zod here: the CLI imports this module by its own path (`@opensync/protocol/email`).

/**
 * The one email rule (login, sign-up, claim, the owner creating users, `opensync admin`, the
 * trusted proxy header): a usual address, or `name@localhost`, which `opensync up` gives the
 * local owner. The local part allows what zod's `z.email()` allows; the domain is `localhost` or
 * dotted labels ending in a 2+ letter top-level domain.
 */
const EMAIL_PATTERN = /^(?!\.)(?!.*\.\.)[a-z0-9_'+\-.]*[a-z0-9_+-]@(?:localhost|(?:[a-z0-9][a-z0-9-]*\.)+[a-z]{2,})$/;
export const EMAIL_MAX_LENGTH = 320;

/** Whether a (trimmed, lower-cased) string is an email address under the one rule. */
export function isEmailAddress(value: string): boolean {
  return value.length <= EMAIL_MAX_LENGTH && EMAIL_PATTERN.test(value);
}
