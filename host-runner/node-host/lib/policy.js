// What the host fixes for one tool call before the component runs: the
// environment (the component cannot switch it), whether production writes
// are confirmed (an agent's own confirmation needs the host's
// allow-production), and how long the call may take. As
// host-runner/src/call.rs; arguments are read the way the component reads
// them (`confirm_production`, `confirmProduction`, `confirm-production`).
"use strict";

const { rules } = require("./sandbox/rules");

const normalise = (key) => key.replace(/[_-]/g, "").toLowerCase();

/** An argument of a JSON object, under any of its spellings. */
function argument(args, name) {
  if (!args || typeof args !== "object" || Array.isArray(args)) return undefined;
  const key = Object.keys(args).find((k) => normalise(k) === normalise(name));
  return key === undefined || args[key] === null ? undefined : args[key];
}

/** Whether the arguments confirm production writes (true, or "true"). */
function confirmsProduction(args) {
  const v = argument(args, "confirm_production");
  return v === true || (typeof v === "string" && v.toLowerCase() === "true");
}

/** The environment the arguments name, if any. */
function environmentArgument(args) {
  const v = argument(args, "env");
  return typeof v === "string" && v.trim() ? v.trim() : null;
}

class CallPolicy {
  /** @param {{environment: string, confirmed: boolean, agent: boolean, allowProduction: boolean, deadlineMs?: number}} p */
  constructor({ environment, confirmed, agent, allowProduction, deadlineMs }) {
    Object.assign(this, { environment, confirmed, agent, allowProduction, deadlineMs: deadlineMs ?? rules.calls.deadline_ms });
  }

  /** Whether the gate may let production writes through. */
  productionWrites() {
    return this.confirmed && (!this.agent || this.allowProduction);
  }

  /** The refusal for an agent's confirmed production write the host was not started to allow, or null. */
  agentRefusal(environment) {
    if (!(this.agent && this.confirmed && !this.allowProduction)) return null;
    const flag = rules.production.agents_need_host_flag;
    return `environment '${environment}' is production: an agent's confirmation is not enough to change it. Start the host with ${flag} (bustly-mock-data ${flag} call ..., or the OpenClaw plugin's allowProduction setting) to let confirmed calls write there; nothing was changed`;
  }

  /** Throws for a component's request for another environment than the call's. */
  checkEnvironment(requested) {
    const e = typeof requested === "string" ? requested.trim() : "";
    if (e && e !== this.environment) {
      throw new Error(
        `the component asked for environment '${e}', but this call is for '${this.environment}' (from --env, the call's env argument or the default): the host fixes a call's environment; nothing was sent`,
      );
    }
  }
}

module.exports = { CallPolicy, argument, confirmsProduction, environmentArgument };
