import type {ProviderName} from '../../contract/providers.ts';
import {createFalContract} from './fal.ts';
import type {HostContract, SimulatorCore} from './host-contract.ts';
import {createPiapiContract} from './piapi.ts';
import {createQubicoContract} from './qubico.ts';
import {createReplicateContract} from './replicate.ts';

/** The contract of `provider` over the shared core. */
export const createContract = (provider: ProviderName, core: SimulatorCore): HostContract => {
  switch (provider) {
    case 'qubico':
      return createQubicoContract(core);
    case 'piapi':
      return createPiapiContract(core);
    case 'fal':
      return createFalContract(core);
    case 'replicate':
      return createReplicateContract(core);
  }
};
