/**
 * The one list of error codes our SQL functions raise (`raise exception '…' using errcode = 'RLAxx'`).
 * Each code has its HTTP status, a stable machine name (the API's `error` field) and what it means.
 * tests/sql_errors.test.ts checks that this list and the codes raised in sql/ are the same set.
 */
export interface SqlErrorCode {
  status: number;
  name: string;
  description: string;
}

export const SQL_ERRORS = {
  RLA01: { status: 400, name: "invalid_input", description: "An argument breaks a rule (format, length, range); the message names the value and the rule." },
  RLA02: { status: 400, name: "unknown_setting", description: "No setting has this key." },
  RLA03: { status: 500, name: "job_queue_missing", description: "The pg-boss schema or queue a job should go to does not exist (deployment problem)." },
  RLA10: { status: 404, name: "user_not_found", description: "No user has this id, username or email." },
  RLA11: { status: 409, name: "username_taken", description: "The username is already used (case-insensitively)." },
  RLA12: { status: 409, name: "email_taken", description: "The email is already registered (case-insensitively)." },
  RLA13: { status: 403, name: "user_disabled", description: "The user is disabled and cannot do this." },
  RLA14: { status: 403, name: "forbidden", description: "The caller is neither the owner nor an administrator." },
  RLA15: { status: 403, name: "admin_required", description: "Only an enabled administrator may do this." },
  RLA16: { status: 409, name: "password_changed", description: "The password changed between checking the current one and storing the new one; check it again." },
  RLA20: { status: 404, name: "environment_not_found", description: "No environment has this id." },
  RLA21: { status: 409, name: "environment_closed", description: "The environment is disabled and takes no new agents." },
  RLA30: { status: 404, name: "agent_not_found", description: "No (undeleted) agent has this id." },
  RLA31: { status: 409, name: "agent_name_taken", description: "The owner already has an agent with this name in this environment." },
  RLA32: { status: 403, name: "agent_disabled", description: "The agent is disabled by an administrator." },
  RLA40: { status: 404, name: "submission_not_found", description: "No submission has this id." },
  RLA41: { status: 429, name: "submission_quota_exceeded", description: "The agent used its submissions for this UTC day; the hint carries retry_after_s." },
  RLA42: { status: 409, name: "illegal_submission_transition", description: "The submission's status does not allow this step (e.g. finishing a build that is not building)." },
  RLA43: { status: 413, name: "archive_too_large", description: "The upload is larger than archive_max_bytes." },
  RLA44: { status: 409, name: "submission_not_built", description: "Only a version that built successfully can be activated." },
  RLA50: { status: 404, name: "match_not_found", description: "No match has this id." },
  RLA51: { status: 409, name: "match_already_ended", description: "The match is completed or failed: nothing to run, record or cancel." },
  RLA52: { status: 409, name: "illegal_match_transition", description: "The match's status does not allow this step (finishing a match that was never started, re-running one that did not fail)." },
  RLA53: { status: 409, name: "agent_busy", description: "An agent is already in a pending or running match." },
  RLA54: { status: 400, name: "invalid_match_outcome", description: "The outcome given to finish_match is malformed." },
  RLA55: { status: 400, name: "invalid_replay", description: "The replay is not gzip-compressed." },
  RLA56: { status: 429, name: "challenge_quota_exceeded", description: "The user asked for challenge_daily_quota challenges this UTC day; the hint carries retry_after_s." },
  RLA57: { status: 404, name: "version_test_not_found", description: "No \"is v2 better?\" test has this id." },
  RLA58: { status: 429, name: "version_test_quota_exceeded", description: "The user started version_test_daily_quota \"is v2 better?\" tests this UTC day; the hint carries retry_after_s." },
} as const satisfies Record<string, SqlErrorCode>;

export type SqlErrorCodeName = keyof typeof SQL_ERRORS;

/** True for one of our SQLSTATEs. */
export function isSqlErrorCode(code: string): code is SqlErrorCodeName {
  return Object.hasOwn(SQL_ERRORS, code);
}

/** The HTTP status for one of our codes; 500 for a code that is not ours (a bug, not a request error). */
export function httpStatusFor(code: string): number {
  return isSqlErrorCode(code) ? SQL_ERRORS[code].status : 500;
}

/** The API's machine name for one of our codes (`error` in the JSON body), or null. */
export function errorNameFor(code: string): string | null {
  return isSqlErrorCode(code) ? SQL_ERRORS[code].name : null;
}
