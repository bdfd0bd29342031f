// Kafka reports a member's client host as the InetAddress text of its socket ("/127.0.0.1"), which
// DescribeGroups and kafka-consumer-groups show; IPv4-mapped IPv6 addresses are shown as IPv4.
export function clientHostOf(remote: string): string {
  const host = remote.slice(0, remote.lastIndexOf(':'));
  return `/${host.startsWith('::ffff:') ? host.slice(7) : host}`;
}
