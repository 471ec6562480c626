/**
 * VPC with public subnets (ALB only) and private subnets (collector, Lambda, Aurora). No NAT
 * gateway: AWS traffic goes through an S3 gateway endpoint and interface endpoints, so private
 * workloads reach Kinesis, CloudWatch and Secrets Manager without the internet. The collector's
 * OS packages come from the Amazon Linux 2023 repositories, which are served from S3.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

export interface NetworkArgs {
  region: string;
  cidr: string;
  availabilityZones: string[];
  /** Interface endpoints in the first AZ only (dev, cheaper); otherwise one per AZ. */
  singleAzEndpoints: boolean;
  /** Services given an interface endpoint, from `INTERFACE_ENDPOINT_SERVICES`. */
  interfaceEndpoints: string[];
  /** Workloads (the collector) in the public subnets: the S3 gateway serves their route table too. */
  publicWorkloads: boolean;
}

/** Services a private collector and the VPC Lambdas reach through interface endpoints. */
export const INTERFACE_ENDPOINT_SERVICES = [
  'kinesis-streams',
  'logs',
  'monitoring',
  'secretsmanager',
  'autoscaling',
];

export class Network extends pulumi.ComponentResource {
  readonly vpc: aws.ec2.Vpc;
  readonly internetGateway: aws.ec2.InternetGateway;
  readonly publicSubnets: aws.ec2.Subnet[];
  readonly privateSubnets: aws.ec2.Subnet[];
  readonly publicRouteTable: aws.ec2.RouteTable;
  readonly privateRouteTable: aws.ec2.RouteTable;
  readonly routeTableAssociations: aws.ec2.RouteTableAssociation[];
  readonly s3Endpoint: aws.ec2.VpcEndpoint;
  readonly endpointSecurityGroup: aws.ec2.SecurityGroup;
  readonly interfaceEndpoints: aws.ec2.VpcEndpoint[];
  /** Workload groups live here so Aurora can name them before the workloads exist (no cycle). */
  readonly collectorSecurityGroup: aws.ec2.SecurityGroup;
  readonly transformerSecurityGroup: aws.ec2.SecurityGroup;
  readonly publicSubnetIds: pulumi.Output<string[]>;
  readonly privateSubnetIds: pulumi.Output<string[]>;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super('alt:network:Network', name, {}, opts);
    const parent = { parent: this };
    const octet2 = args.cidr.split('.')[1];
    const base = `${args.cidr.split('.')[0]}.${octet2}`;

    this.vpc = new aws.ec2.Vpc(
      `${name}-vpc`,
      {
        cidrBlock: args.cidr,
        enableDnsHostnames: true,
        enableDnsSupport: true,
        tags: { Name: `${name}-vpc` },
      },
      parent,
    );
    this.internetGateway = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: this.vpc.id }, parent);
    this.publicSubnets = args.availabilityZones.map(
      (az, i) =>
        new aws.ec2.Subnet(
          `${name}-public-${i}`,
          {
            vpcId: this.vpc.id,
            availabilityZone: az,
            cidrBlock: `${base}.${i * 16}.0/20`,
            // Nothing in a public subnet gets a public address by default; only the ALB lives here.
            mapPublicIpOnLaunch: false,
            tags: { Name: `${name}-public-${az}`, tier: 'public' },
          },
          parent,
        ),
    );
    this.privateSubnets = args.availabilityZones.map(
      (az, i) =>
        new aws.ec2.Subnet(
          `${name}-private-${i}`,
          {
            vpcId: this.vpc.id,
            availabilityZone: az,
            cidrBlock: `${base}.${128 + i * 16}.0/20`,
            mapPublicIpOnLaunch: false,
            tags: { Name: `${name}-private-${az}`, tier: 'private' },
          },
          parent,
        ),
    );
    this.publicRouteTable = new aws.ec2.RouteTable(
      `${name}-public-rt`,
      { vpcId: this.vpc.id, routes: [{ cidrBlock: '0.0.0.0/0', gatewayId: this.internetGateway.id }] },
      parent,
    );
    this.privateRouteTable = new aws.ec2.RouteTable(`${name}-private-rt`, { vpcId: this.vpc.id }, parent);
    this.routeTableAssociations = this.publicSubnets.map(
      (s, i) =>
        new aws.ec2.RouteTableAssociation(
          `${name}-public-rta-${i}`,
          { subnetId: s.id, routeTableId: this.publicRouteTable.id },
          parent,
        ),
    );
    const privateAssociations = this.privateSubnets.map(
      (s, i) =>
        new aws.ec2.RouteTableAssociation(
          `${name}-private-rta-${i}`,
          { subnetId: s.id, routeTableId: this.privateRouteTable.id },
          parent,
        ),
    );
    this.routeTableAssociations.push(...privateAssociations);
    this.s3Endpoint = new aws.ec2.VpcEndpoint(
      `${name}-s3`,
      {
        vpcId: this.vpc.id,
        serviceName: `com.amazonaws.${args.region}.s3`,
        vpcEndpointType: 'Gateway',
        // Free, and keeps a public collector's artifact and package downloads off the internet path.
        routeTableIds: args.publicWorkloads
          ? [this.privateRouteTable.id, this.publicRouteTable.id]
          : [this.privateRouteTable.id],
      },
      parent,
    );
    this.endpointSecurityGroup = new aws.ec2.SecurityGroup(
      `${name}-endpoints`,
      {
        vpcId: this.vpc.id,
        description: 'HTTPS from inside the VPC to AWS interface endpoints',
        ingress: [{ protocol: 'tcp', fromPort: 443, toPort: 443, cidrBlocks: [args.cidr] }],
      },
      parent,
    );
    const endpointSubnets = args.singleAzEndpoints ? this.privateSubnets.slice(0, 1) : this.privateSubnets;
    this.interfaceEndpoints = args.interfaceEndpoints.map(
      (svc) =>
        new aws.ec2.VpcEndpoint(
          `${name}-${svc}`,
          {
            vpcId: this.vpc.id,
            serviceName: `com.amazonaws.${args.region}.${svc}`,
            vpcEndpointType: 'Interface',
            privateDnsEnabled: true,
            subnetIds: endpointSubnets.map((s) => s.id),
            securityGroupIds: [this.endpointSecurityGroup.id],
          },
          parent,
        ),
    );
    // Egress only: there is no internet route, so "anywhere" means the endpoints and Aurora.
    const workloadGroup = (id: string, description: string) =>
      new aws.ec2.SecurityGroup(
        `${name}-${id}`,
        {
          vpcId: this.vpc.id,
          description,
          egress: [{ protocol: '-1', fromPort: 0, toPort: 0, cidrBlocks: ['0.0.0.0/0'] }],
        },
        parent,
      );
    this.collectorSecurityGroup = workloadGroup('collector', 'ALT collector instances');
    this.transformerSecurityGroup = workloadGroup('transformer', 'ALT transformer and migration Lambdas');
    this.publicSubnetIds = pulumi.all(this.publicSubnets.map((s) => s.id));
    this.privateSubnetIds = pulumi.all(this.privateSubnets.map((s) => s.id));
    this.registerOutputs({
      vpcId: this.vpc.id,
      publicSubnetIds: this.publicSubnetIds,
      privateSubnetIds: this.privateSubnetIds,
    });
  }
}
