/**
 * FlexPass accounts: the `auth_user` table and its roles, creating/finding/listing/disabling
 * accounts, patient registration, staff enrolment by their site's administrator, and staff
 * activation. Every function takes an Executor (or the LoginContext, which holds the store) first.
 */
/** The account table (auth/001) and the roles every token's `role` is one of. */
export { accountMigrations, ROLES, type Role } from "./account-schema.ts";
/** Accounts: normalised login names, create, get, find by login, list, set status. */
export {
  type Account,
  type AccountStatus,
  checkNewAccount,
  createAccount,
  findAccountByLogin,
  getAccount,
  listAccounts,
  type NewAccount,
  normalizeLoginName,
  setAccountStatus,
} from "./accounts.ts";
/** Registration of patients, enrolment and activation of staff, each one transaction. */
export {
  ACTIVATION_TTL_MS,
  activateAccount,
  checkEnrolmentRight,
  disableAccount,
  enrolStaff,
  type GraphicalChoice,
  type KeyChoice,
  type KeysSet,
  registerPatient,
  renewActivation,
  type StaffEnrolled,
  type StaffInput,
} from "./registration.ts";
