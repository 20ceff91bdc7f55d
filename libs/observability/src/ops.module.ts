import { Controller, Get, Header, Inject, Module, type DynamicModule, type InjectionToken, type Provider } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TerminusModule } from '@nestjs/terminus';
import type { Registry } from 'prom-client';

/** A named readiness check: true when the dependency answers. */
export type ReadinessCheck = () => Promise<boolean>;
export interface OpsOptions {
  registry: Registry;
  checks: Record<string, ReadinessCheck>;
}

export const OPS_OPTIONS = Symbol('OPS_OPTIONS');

@ApiExcludeController()
@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(OPS_OPTIONS) private readonly options: OpsOptions,
  ) {}

  /** The process is up and its event loop turns. */
  @Get('live')
  live() {
    return { status: 'ok' };
  }

  /** Every dependency answers: 200 when all do, 503 naming the ones that do not. */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check(
      Object.entries(this.options.checks).map(([name, check]) => async () => {
        const indicator = this.indicators.check(name);
        const ok = await check().catch(() => false);
        return ok ? indicator.up() : indicator.down({ message: `${name} does not answer` });
      }),
    );
  }
}

@ApiExcludeController()
@Controller('metrics')
class MetricsController {
  constructor(@Inject(OPS_OPTIONS) private readonly options: OpsOptions) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  metrics(): Promise<string> {
    return this.options.registry.metrics();
  }
}

/** /health/live, /health/ready and /metrics, the same in every app. */
@Module({})
export class OpsModule {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  static forRoot(options: OpsOptions | { useFactory: (...deps: any[]) => OpsOptions; inject: InjectionToken[] }): DynamicModule {
    const provider: Provider =
      'useFactory' in options
        ? { provide: OPS_OPTIONS, useFactory: options.useFactory, inject: options.inject }
        : { provide: OPS_OPTIONS, useValue: options };
    return {
      module: OpsModule,
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [HealthController, MetricsController],
      providers: [provider],
    };
  }
}
