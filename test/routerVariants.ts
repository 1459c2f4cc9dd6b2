// The router variants live with the scripts (the bench uses them too; scripts never import test/).
export { ROUTER_VARIANTS } from "../scripts/lib/routerVariants";
