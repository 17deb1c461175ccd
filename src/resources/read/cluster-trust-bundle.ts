/** ClusterTrustBundle references (GEP-5075): the group a CA certificate reference names one by. */
export const CLUSTER_TRUST_BUNDLE_GROUP = 'certificates.k8s.io';
