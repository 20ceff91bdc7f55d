import { Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { counter, createMetricsRegistry } from './metrics';
import { OpsModule } from './ops.module';

async function appWith(checks: Record<string, () => Promise<boolean>>) {
  const registry = createMetricsRegistry('spec');
  counter(registry, 'spec_things_total', 'things').inc(3);
  @Module({ imports: [OpsModule.forRoot({ registry, checks })] })
  class SpecModule {}
  const moduleRef = await Test.createTestingModule({ imports: [SpecModule] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}

describe('OpsModule', () => {
  it('is ready only when every dependency answers, and names the one that does not', async () => {
    const app = await appWith({ postgres: async () => true, redis: async () => false, nats: () => Promise.reject(new Error('down')) });
    const live = await request(app.getHttpServer()).get('/health/live');
    expect(live.status).toBe(200);
    const ready = await request(app.getHttpServer()).get('/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.details).toMatchObject({ postgres: { status: 'up' }, redis: { status: 'down' }, nats: { status: 'down' } });
    await app.close();
  });

  it('answers 200 when all are up and serves Prometheus metrics with the app label', async () => {
    const app = await appWith({ postgres: async () => true });
    expect((await request(app.getHttpServer()).get('/health/ready')).status).toBe(200);
    const metrics = await request(app.getHttpServer()).get('/metrics');
    expect(metrics.headers['content-type']).toContain('text/plain');
    expect(metrics.text).toContain('spec_things_total{app="spec"} 3');
    expect(metrics.text).toContain('process_cpu_seconds_total');
    await app.close();
  });
});
