export { GrpcStorageProxy, openGrpcStorage, type GrpcStorageProxyOptions } from './client';
export { runGrpcProxyServer, type GrpcProxyServer, type GrpcProxyServerOptions } from './server';
