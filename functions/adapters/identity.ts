import {
  AssociateSoftwareTokenCommand,
  type AuthenticationResultType,
  type CognitoIdentityProviderClient,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  RevokeTokenCommand,
  SetUserMFAPreferenceCommand,
  VerifySoftwareTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { JwtRsaVerifier } from 'aws-jwt-verify';
import { FetchError, JwtBaseError } from 'aws-jwt-verify/error';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { describeError, IdentityUnavailable } from '../core/errors';

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
  /** Acts on the person's own account (setting up an authenticator): never kept in the browser's session. */
  accessToken?: string;
}

export type SignInResult =
  | { session: Session }
  | { challenge: 'NEW_PASSWORD_REQUIRED' | 'SOFTWARE_TOKEN_MFA'; username: string; state: string }
  | { refused: string };

export interface SignedIn {
  personId: string;
  expiresAt: Date;
}

/** The pool's answers that mean "not you": said the same way, so a guesser learns nothing. */
const WRONG = new Set(['NotAuthorizedException', 'UserNotFoundException']);
const SAY_WRONG = 'That user name and password do not match: check them and try again';

const EXPIRED = 'This sign-in has expired or was not valid: sign in again from the start';

/** What a refusal says to the person; a step after the password (`later`) that the pool no longer knows has expired. */
function refusal(error: unknown, later = false): { refused: string } {
  const name = (error as { name?: string }).name ?? '';
  if (name === 'InvalidParameterException' || (later && WRONG.has(name))) return { refused: EXPIRED };
  if (WRONG.has(name)) return { refused: SAY_WRONG };
  if (name === 'InvalidPasswordException') return { refused: `That password will not do: ${(error as Error).message}` };
  if (name === 'CodeMismatchException' || name === 'EnableSoftwareTokenMFAException') {
    return { refused: 'That code is not the one your authenticator shows now: try the next one' };
  }
  if (name === 'ExpiredCodeException') return { refused: 'That code has been used or has expired: try the next one' };
  if (name === 'PasswordResetRequiredException') return { refused: 'Your password must be reset: ask operations to reset it' };
  if (name === 'TooManyRequestsException' || name === 'LimitExceededException') {
    return { refused: 'Too many attempts: wait a minute, then try again' };
  }
  throw unavailable(error);
}

/** Anything else the pool answers (or no answer at all) is the pool's fault, not the person's. */
const unavailable = (error: unknown) =>
  error instanceof IdentityUnavailable ? error : new IdentityUnavailable(describeError(error), { cause: error });

function sessionOf(result: AuthenticationResultType | undefined, refreshToken?: string): { session: Session } {
  if (!result?.IdToken) throw new Error('the user pool answered a sign-in without an ID token');
  const refresh = result.RefreshToken ?? refreshToken;
  return {
    session: {
      idToken: result.IdToken,
      ...(refresh ? { refreshToken: refresh } : {}),
      ...(result.AccessToken ? { accessToken: result.AccessToken } : {}),
    },
  };
}

/** The challenges the console answers; any other is said to be one it does not. */
function challenged(name: string | undefined, username: string, state: string | undefined): SignInResult | undefined {
  if (!name) return undefined;
  if ((name === 'NEW_PASSWORD_REQUIRED' || name === 'SOFTWARE_TOKEN_MFA') && state) return { challenge: name, username, state };
  return { refused: `This sign-in needs ${name}, which the console does not offer: ask operations` };
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
      return challenged(answer.ChallengeName, username, answer.Session) ?? sessionOf(answer.AuthenticationResult);
    } catch (error) {
      // A wrong password is NotAuthorizedException on Cognito; cognito-local says InvalidPasswordException.
      if ((error as { name?: string }).name === 'InvalidPasswordException') return { refused: SAY_WRONG };
      return refusal(error);
    }
  }

  /** The first sign-in with a temporary password: the person chooses their own. */
  choosePassword(username: string, state: string, password: string): Promise<SignInResult> {
    return this.answer('NEW_PASSWORD_REQUIRED', username, state, { NEW_PASSWORD: password });
  }

  /** The second factor: the code the person's authenticator shows now. */
  answerCode(username: string, state: string, code: string): Promise<SignInResult> {
    return this.answer('SOFTWARE_TOKEN_MFA', username, state, { SOFTWARE_TOKEN_MFA_CODE: code });
  }

  /** Answers the challenge a sign-in is at; the pool may ask another (a code after a new password). */
  private async answer(
    challenge: 'NEW_PASSWORD_REQUIRED' | 'SOFTWARE_TOKEN_MFA',
    username: string,
    state: string,
    responses: Record<string, string>,
  ): Promise<SignInResult> {
    try {
      const answer = await this.client.send(
        new RespondToAuthChallengeCommand({
          ClientId: this.pool.clientId,
          ChallengeName: challenge,
          Session: state,
          ChallengeResponses: { USERNAME: username, ...responses },
        }),
      );
      return challenged(answer.ChallengeName, username, answer.Session) ?? sessionOf(answer.AuthenticationResult);
    } catch (error) {
      return refusal(error, true);
    }
  }

  /** Begins setting up an authenticator app for the signed-in person: the secret the app is to be given. */
  async startAuthenticator(accessToken: string): Promise<string> {
    const answer = await this.client
      .send(new AssociateSoftwareTokenCommand({ AccessToken: accessToken }))
      .catch((error: unknown) => {
        throw unavailable(error);
      });
    if (!answer.SecretCode) throw new Error('the user pool gave no secret for the authenticator');
    return answer.SecretCode;
  }

  /** Ends it: the app's first code proves it holds the secret; from then on every sign-in asks for a code. */
  async confirmAuthenticator(accessToken: string, code: string): Promise<{ refused: string } | undefined> {
    try {
      await this.client.send(
        new VerifySoftwareTokenCommand({ AccessToken: accessToken, UserCode: code, FriendlyDeviceName: 'console' }),
      );
      await this.client.send(
        new SetUserMFAPreferenceCommand({
          AccessToken: accessToken,
          SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true },
        }),
      );
      return undefined;
    } catch (error) {
      return refusal(error, true);
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
      throw unavailable(error);
    }
  }

  /** Ends the sign-in: its refresh token can renew nothing more. */
  async signOut(refreshToken: string): Promise<void> {
    await this.client
      .send(new RevokeTokenCommand({ ClientId: this.pool.clientId, Token: refreshToken }))
      .catch((error: unknown) => {
        if (!WRONG.has((error as { name?: string }).name ?? '')) throw unavailable(error);
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
      throw unavailable(error);
    }
  }
}
