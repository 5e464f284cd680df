package dev.runbook.security;

import org.camunda.bpm.engine.impl.identity.db.DbIdentityServiceProvider;
import org.camunda.bpm.engine.impl.persistence.entity.UserEntity;

/**
 * Camunda's database identity provider with the password check routed through {@link LoginGuard}: every caller of
 * {@code IdentityService.checkPassword} (HTTP Basic on /api and /engine-rest, the webapps' login form,
 * {@code /engine-rest/identity/verify}) is slowed, locked and logged the same way. Replaces Camunda's own per-user
 * lock, which locks a user for good after ten failures.
 */
class GuardedIdentityProvider extends DbIdentityServiceProvider {

    private final LoginGuard guard;

    GuardedIdentityProvider(LoginGuard guard) {
        this.guard = guard;
    }

    @Override
    public boolean checkPassword(String userId, String password) {
        return guard.attempt(userId, password, (id, secret) -> {
            UserEntity user = findUserById(id);
            return user == null ? null : matchPassword(secret, user);
        });
    }
}
