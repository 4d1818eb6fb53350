import { z } from "zod";
import { EMAIL_MAX_LENGTH, isEmailAddress } from "./email.js";

/** API keys we issue: `osk_` + 43 URL-safe characters (32 random bytes, base64url). */
export const API_KEY_PREFIX = "osk_";
/** Keys of the Pocketbase edition, accepted when they exist in the database. */
export const LEGACY_API_KEY_PREFIX = "os_";

export const createKeySchema = z.object({ name: z.string().trim().min(1).max(200) });
/** `PATCH /api/keys/:id`: rename a key. */
export const renameKeySchema = createKeySchema;
export interface ApiKeyInfo {
  id: string;
  name: string;
  /** The first characters of the key, to recognise it in a list (`osk_AbCd…`). */
  prefix: string;
  createdAt: number;
  lastUsedAt: number | null;
}
export interface CreatedApiKey { id: string; name: string; key: string; prefix: string; createdAt: number }

/** An email as typed: trimmed and lower-cased, then checked with `isEmailAddress`. */
export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(EMAIL_MAX_LENGTH)
  .refine(isEmailAddress, "must be an email address, like name@example.com (or name@localhost)");
const email = emailSchema;
export const credentialsSchema = z.object({ email, password: z.string().min(1).max(1024) });
export const newAccountSchema = z.object({ email, password: z.string().min(8, "must be at least 8 characters").max(1024), name: z.string().trim().max(200).optional() });
/** `POST /api/me/password`: the current password is required once one is set. */
export const changePasswordSchema = z.object({
  currentPassword: z.string().max(1024).optional(),
  newPassword: z.string().min(8, "must be at least 8 characters").max(1024),
});
export const claimSchema = newAccountSchema.extend({ token: z.string().min(1).max(200) });
/** Bodies of `POST /api/auth/login`, `/signup` and `/claim` as a caller writes them. */
export type Credentials = z.input<typeof credentialsSchema>;
export type NewAccount = z.input<typeof newAccountSchema>;
export type ClaimInput = z.input<typeof claimSchema>;
export const loginTokenSchema = z.object({ token: z.string().min(1).max(200) });

export interface UserInfo { id: string; email: string; name: string | null; role: "owner" | "member"; createdAt: number }

/** `GET /api/auth/status`: what the app needs before anyone signs in (first run, sign-in choices). */
export interface AuthStatus {
  /** Any account exists. */
  hasUsers: boolean;
  /** The owner exists; until then the server printed a one-time claim link (`/claim?token=`). */
  hasOwner: boolean;
  /** `POST /api/auth/signup` is open (`OPENSYNC_ALLOW_SIGNUP`). */
  allowSignup: boolean;
  /** A reverse proxy signs users in with a header (`OPENSYNC_TRUSTED_HEADER`): no form is needed behind it. */
  trustedHeader: boolean;
}

/** `GET /api/admin/users`: every account, for the owner. */
export interface UserListResponse { users: UserInfo[] }
