import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { rolesOf } from '../../functions/core/access';
import { CONSOLE_ROLES, type OrganisationConfig } from '../../functions/core/config';

export interface ConsoleUsersProps {
  config: OrganisationConfig;
  /** Where people sign in: the console's address, for the invitation email. */
  consoleUrl: string;
}

/**
 * The console's people: an Amazon Cognito user pool with a user per person of the config (their
 * person id is their user name; Cognito emails each a temporary password, changed at the first
 * sign-in), a group per console role, and the console's app client (user name and password,
 * refreshed sessions as long as the config's `console.session`, revocable at sign-out).
 */
export class ConsoleUsers extends Construct {
  readonly userPool: cognito.UserPool;
  readonly client: cognito.UserPoolClient;
  /** The issuer of the pool's tokens, which the console verifies them against. */
  readonly issuer: string;

  constructor(scope: Construct, id: string, props: ConsoleUsersProps) {
    super(scope, id);
    const { config } = props;
    this.userPool = new cognito.UserPool(this, 'Pool', {
      selfSignUpEnabled: false,
      signInAliases: { username: true },
      signInCaseSensitive: false,
      // Offered to everyone (an authenticator app); see the README on requiring it.
      mfa: cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(7),
      },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      userInvitation: {
        emailSubject: `Your sign-in to ${config.organisation}'s major incident console`,
        emailBody: `Your user name is {username} and your temporary password is {####}. Sign in at ${props.consoleUrl} within 7 days, and choose your own password.`,
      },
      // People and their passwords outlive a stack that is deleted by mistake.
      removalPolicy: RemovalPolicy.RETAIN,
      deletionProtection: true,
    });
    this.client = this.userPool.addClient('Console', {
      authFlows: { userPassword: true },
      generateSecret: false,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.seconds(Math.max(config.console.session, 3600)),
    });
    this.issuer = `https://cognito-idp.${Stack.of(this).region}.amazonaws.com/${this.userPool.userPoolId}`;

    for (const role of CONSOLE_ROLES) {
      new cognito.CfnUserPoolGroup(this, `Role-${role}`, {
        userPoolId: this.userPool.userPoolId,
        groupName: role,
        description: `Console role ${role}, from the organisation config`,
      });
    }
    for (const [personId, person] of Object.entries(config.people)) {
      const user = new cognito.CfnUserPoolUser(this, `Person-${personId}`, {
        userPoolId: this.userPool.userPoolId,
        username: personId,
        desiredDeliveryMediums: ['EMAIL'],
        userAttributes: [
          { name: 'email', value: person.email },
          { name: 'email_verified', value: 'true' },
          { name: 'name', value: person.name },
        ],
      });
      for (const role of rolesOf(config, personId)) {
        new cognito.CfnUserPoolUserToGroupAttachment(this, `Person-${personId}-${role}`, {
          userPoolId: this.userPool.userPoolId,
          username: personId,
          groupName: role,
        }).addResourceDependency(user);
      }
    }
    Validations.of(this.userPool).acknowledge({
      id: 'AwsSolutions-COG2',
      reason:
        'MFA with an authenticator app is optional at the pool, as the service desk and leadership only declare and read; the console requires it of the roles that act (the MIM and operations by default: consoleMfaRoles), each setting one up at their first sign-in.',
    });
    Validations.of(this.userPool).acknowledge({
      id: 'AwsSolutions-COG8',
      reason:
        'Threat protection (advanced security) is in the Plus feature plan, charged per active user; sign-in is throttled at the API, existence errors are hidden and passwords are strong.',
    });
  }
}
