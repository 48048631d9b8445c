import type {ProviderName} from '../../contract/providers.ts';
import type {HostContract, SimulatorCore} from './host-contract.ts';
import {createQubicoContract} from './qubico.ts';

/** The contract of `provider` over the shared core. */
export const createContract = (provider: ProviderName, core: SimulatorCore): HostContract => {
  switch (provider) {
    case 'qubico':
      return createQubicoContract(core);
    default:
      throw new Error(`no contract for ${provider}`);
  }
};
