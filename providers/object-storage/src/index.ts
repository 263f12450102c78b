// placeholder: filled in by the providers issue
export {};
