import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { MajorIncidentManagement, type MajorIncidentManagementProps } from './major-incident-management';

export interface MajorIncidentStackProps extends StackProps, MajorIncidentManagementProps {}

/** The deployable stack: the construct, nothing else, so that another app can use the construct alone. */
export class MajorIncidentStack extends Stack {
  readonly system: MajorIncidentManagement;

  constructor(scope: Construct, id: string, props: MajorIncidentStackProps) {
    super(scope, id, props);
    this.system = new MajorIncidentManagement(this, 'MajorIncident', props);
  }
}
