import {
  type AuthenticationResultType,
  type CognitoIdentityProviderClient,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  RevokeTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { JwtRsaVerifier } from 'aws-jwt-verify';
import { FetchError, JwtBaseError } from 'aws-jwt-verify/error';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';

/*
 * The console's sign-in, against a Cognito user pool: Amazon Cognito on AWS, cognito-local in the
 * sandbox. The same calls and the same token checks on both; only the pool's endpoint and issuer
 * differ, and they come from the environment.
 */

export interface Session {
  /** The ID token: it says who signed in (cognito:username is the person id), until it expires. */
  idToken: string;
  /** Renews the ID token without a password, until the sign-in's own end. */
  refreshToken?: string;
}

export type SignInResult =
  { session: Session } | { challenge: 'NEW_PASSWORD_REQUIRED'; username: string; state: string } | { refused: string };

export interface SignedIn {
  personId: string;
  expiresAt: Date;
}

/** The pool's answers that mean "not you": said the same way, so a guesser learns nothing. */
const WRONG = new Set(['NotAuthorizedException', 'UserNotFoundException']);
const SAY_WRONG = 'That user name and password do not match: check them and try again';

function refusal(error: unknown): { refused: string } {
  const name = (error as { name?: string }).name ?? '';
  if (WRONG.has(name)) return { refused: SAY_WRONG };
  if (name === 'InvalidPasswordException') return { refused: `That password will not do: ${(error as Error).message}` };
  if (name === 'PasswordResetRequiredException') return { refused: 'Your password must be reset: ask operations to reset it' };
  if (name === 'TooManyRequestsException' || name === 'LimitExceededException') {
    return { refused: 'Too many attempts: wait a minute, then try again' };
  }
  throw error;
}

function sessionOf(result: AuthenticationResultType | undefined, refreshToken?: string): { session: Session } {
  if (!result?.IdToken) throw new Error('the user pool answered a sign-in without an ID token');
  const refresh = result.RefreshToken ?? refreshToken;
  return { session: { idToken: result.IdToken, ...(refresh ? { refreshToken: refresh } : {}) } };
}

export class Identity {
  private readonly verifier;

  constructor(
    private readonly client: CognitoIdentityProviderClient,
    private readonly pool: { id: string; clientId: string; issuer: string },
  ) {
    // The pool's signing keys, fetched with the runtime's fetch (https on AWS, loopback http in the
    // sandbox) and cached; a token signed by a key the pool does not publish is refused.
    const fetcher = {
      fetch: async (uri: string) => {
        const answer = await fetch(uri, { signal: AbortSignal.timeout(3000) });
        if (!answer.ok) throw new Error(`the user pool's keys (${uri}) answered ${answer.status}`);
        return answer.arrayBuffer();
      },
    };
    this.verifier = JwtRsaVerifier.create(
      { issuer: pool.issuer, audience: pool.clientId, jwksUri: `${pool.issuer}/.well-known/jwks.json` },
      { jwksCache: new SimpleJwksCache({ fetcher }) },
    );
  }

  async signIn(username: string, password: string): Promise<SignInResult> {
    try {
      const answer = await this.client.send(
        new InitiateAuthCommand({
          ClientId: this.pool.clientId,
          AuthFlow: 'USER_PASSWORD_AUTH',
          AuthParameters: { USERNAME: username, PASSWORD: password },
        }),
      );
      if (answer.ChallengeName === 'NEW_PASSWORD_REQUIRED' && answer.Session) {
        return { challenge: 'NEW_PASSWORD_REQUIRED', username, state: answer.Session };
      }
      if (answer.ChallengeName)
        return { refused: `This sign-in needs ${answer.ChallengeName}, which the console does not offer yet` };
      return sessionOf(answer.AuthenticationResult);
    } catch (error) {
      // A wrong password is NotAuthorizedException on Cognito; cognito-local says InvalidPasswordException.
      if ((error as { name?: string }).name === 'InvalidPasswordException') return { refused: SAY_WRONG };
      return refusal(error);
    }
  }

  /** The first sign-in with a temporary password: the person chooses their own. */
  async choosePassword(username: string, state: string, password: string): Promise<SignInResult> {
    try {
      const answer = await this.client.send(
        new RespondToAuthChallengeCommand({
          ClientId: this.pool.clientId,
          ChallengeName: 'NEW_PASSWORD_REQUIRED',
          Session: state,
          ChallengeResponses: { USERNAME: username, NEW_PASSWORD: password },
        }),
      );
      return sessionOf(answer.AuthenticationResult);
    } catch (error) {
      return refusal(error);
    }
  }

  /** A new ID token for a sign-in that has not ended; undefined once it has (or was signed out). */
  async renew(refreshToken: string): Promise<Session | undefined> {
    try {
      const answer = await this.client.send(
        new InitiateAuthCommand({
          ClientId: this.pool.clientId,
          AuthFlow: 'REFRESH_TOKEN_AUTH',
          AuthParameters: { REFRESH_TOKEN: refreshToken },
        }),
      );
      return sessionOf(answer.AuthenticationResult, refreshToken).session;
    } catch (error) {
      if (WRONG.has((error as { name?: string }).name ?? '')) return undefined;
      throw error;
    }
  }

  /** Ends the sign-in: its refresh token can renew nothing more. */
  async signOut(refreshToken: string): Promise<void> {
    await this.client
      .send(new RevokeTokenCommand({ ClientId: this.pool.clientId, Token: refreshToken }))
      .catch((error: unknown) => {
        if (!WRONG.has((error as { name?: string }).name ?? '')) throw error;
      });
  }

  /** Who an ID token says signed in, if it is the pool's, for this console, and unexpired. */
  async verify(idToken: string): Promise<SignedIn | undefined> {
    try {
      const claims = await this.verifier.verify(idToken);
      const personId = claims['cognito:username'];
      if (claims.token_use !== 'id' || typeof personId !== 'string' || claims.exp === undefined) return undefined;
      return { personId, expiresAt: new Date(claims.exp * 1000) };
    } catch (error) {
      // A token that is not one (forged, expired, another pool's) is nobody; the pool's keys out of
      // reach is a fault, for the caller to report as one.
      if (error instanceof JwtBaseError && !(error instanceof FetchError)) return undefined;
      throw error;
    }
  }
}
