// The floor of the HTTP benchmarks: a minimal Apollo Server 5 on Fastify (the same
// HTTP framework and integration lakegate uses), SDL type definitions and one plain
// resolver answering a constant. No plugins, no context, no auth, no logging.
// Usage: node bench/lib/minimal-apollo-server.mjs SPEC.json
//   SPEC.json: { "typeDefs": "...", "rootField": "eventStats", "data": <the answer>,
//                "cacheControl": false (optional: Apollo's cache-control plugin off, as lakegate has it) }
// Prints "READY <port>" once listening; stops on SIGTERM.
import { readFileSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import fastifyApollo, { fastifyApolloDrainPlugin } from '@as-integrations/fastify';
import Fastify from 'fastify';

const spec = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const data = spec.data;

const fastify = Fastify();
const apollo = new ApolloServer({
  typeDefs: spec.typeDefs,
  resolvers: { Query: { [spec.rootField]: () => data } },
  plugins: [fastifyApolloDrainPlugin(fastify), ...(spec.cacheControl === false ? [ApolloServerPluginCacheControlDisabled()] : [])],
});
await apollo.start();
await fastify.register(fastifyApollo(apollo));
await fastify.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`READY ${fastify.server.address().port}\n`);

process.once('SIGTERM', () => {
  fastify.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
