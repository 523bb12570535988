-- The login lockout as one atomic step per email (SPEC 7): every password attempt first locks
-- its email's row here (SELECT … FOR UPDATE), counts the failures and the attempts still in
-- progress, and only then may check a password. Unknown emails get a row too, so that they
-- lock and answer exactly like known ones. `locked_until` is the end of the last lock that was
-- announced (audited), so that a lock is announced once.
CREATE TABLE login_throttles (
    email        TEXT        PRIMARY KEY,
    locked_until TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT login_throttles_email_check CHECK (email <> '')
);

-- The typed vocabularies of the login history and of session revocations.
ALTER TABLE user_login_history ADD CONSTRAINT user_login_history_failure_reason_check CHECK (
    (success AND failure_reason IS NULL)
    OR (NOT success AND failure_reason IN (
        'PENDING', 'UNKNOWN_EMAIL', 'WRONG_PASSWORD', 'WRONG_CURRENT_PASSWORD', 'LOCKED',
        'INACTIVE', 'INVALID_INPUT'
    ))
);

ALTER TABLE staff_sessions ADD CONSTRAINT staff_sessions_revoked_reason_check CHECK (
    (revoked_at IS NULL AND revoked_reason IS NULL)
    OR (revoked_at IS NOT NULL AND revoked_reason IN (
        'ROTATED', 'LOGOUT', 'LOGOUT_OTHERS', 'REVOKED_BY_USER', 'REUSE_DETECTED',
        'SESSION_LIMIT', 'PASSWORD_CHANGED', 'ACCOUNT_DISABLED'
    ))
);
