import type { AuthChecker } from 'type-graphql';
import type { Scope } from '../config/api-keys';
import { AppError, ErrorCode } from '../errors/app-error';
import type { RequestContext } from '../context/request-context';

/**
 * `@Authorized('events:read')`: every listed scope is required. A caller without a
 * key gets UNAUTHENTICATED (a key would help); a caller with a key lacking the scope
 * gets FORBIDDEN. Both name the missing scope.
 */
export const scopeAuthChecker: AuthChecker<RequestContext, Scope> = ({ context, info }, required) => {
  const missing = required.filter((scope) => !context.principal.scopes.has(scope));
  if (missing.length === 0) return true;
  const field = `${info.parentType.name}.${info.fieldName}`;
  if (!context.principal.authenticated) {
    throw new AppError(ErrorCode.UNAUTHENTICATED, `${field} needs an API key with scope ${missing.join(', ')} (Authorization: Bearer <key>)`, {
      details: { requiredScopes: missing },
    });
  }
  throw new AppError(ErrorCode.FORBIDDEN, `${field} needs scope ${missing.join(', ')}; key "${context.principal.id}" does not have it`, {
    details: { requiredScopes: missing },
  });
};
