// Placeholder: IDX decoding and downloads are built in issues 2 and 3.
