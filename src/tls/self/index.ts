export {
  kubeCertApi,
  type CertApi,
  type KubeCertApiOptions,
  type SecretSnapshot,
  type SecretWrite,
} from './api.js';
export { SelfCertError } from './errors.js';
export { certNamespaceOf, openSelfCertTlsSource, type SelfCertSettings } from './open.js';
export { renewalPolicy, type RenewalPolicy } from './plan.js';
export { SECRET_KEYS } from './secret-data.js';
export { openSecretTlsSource, SecretTlsSource, type SecretTlsSourceOptions } from './source.js';
