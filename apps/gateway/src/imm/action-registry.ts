import { Injectable } from '@nestjs/common';
import { ImmError } from '@simclust/contracts';
import type { ActionDefinition, RestRoute } from './action';

interface CompiledRoute {
  route: RestRoute;
  pattern: RegExp;
  names: string[];
  definition: ActionDefinition;
}

/** Every operation the gateway serves; feature modules register theirs at start. */
@Injectable()
export class ActionRegistry {
  private readonly actions = new Map<string, ActionDefinition>();
  private readonly routes: CompiledRoute[] = [];

  register(...definitions: ActionDefinition[]): void {
    for (const definition of definitions) {
      if (this.actions.has(definition.action)) throw new Error(`action ${definition.action} registered twice`);
      this.actions.set(definition.action, definition);
      if (definition.rest) this.routes.push(compile(definition.rest, definition));
    }
  }

  get(action: string): ActionDefinition | undefined {
    return this.actions.get(action);
  }

  all(): ActionDefinition[] {
    return [...this.actions.values()].sort((a, b) => a.action.localeCompare(b.action));
  }

  /** The action a REST request maps to, with its path parameters. */
  matchRoute(method: string, path: string): { definition: ActionDefinition; pathParams: Record<string, string> } | undefined {
    for (const r of this.routes) {
      if (r.route.method !== method) continue;
      const m = r.pattern.exec(path);
      if (!m) continue;
      const pathParams = Object.fromEntries(r.names.map((n, i) => [n, decodePathSegment(n, m[i + 1])]));
      return { definition: r.definition, pathParams };
    }
    return undefined;
  }
}

function compile(route: RestRoute, definition: ActionDefinition): CompiledRoute {
  const names: string[] = [];
  const source = route.path
    .split('/')
    .map((segment) => {
      if (!segment.startsWith(':')) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(segment.slice(1));
      return '([^/]+)';
    })
    .join('/');
  return { route, pattern: new RegExp(`^${source}/?$`), names, definition };
}

function decodePathSegment(name: string, raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw ImmError.invalid(name, 'Its percent-encoding is malformed.');
  }
}
