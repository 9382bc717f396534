# cmake -DINPUT=<file> -DOUTPUT=<file.cc> -DNAMESPACE=<ns> -DNAME=<identifier> -P EmbedText.cmake
# Writes a C++ source that defines `const char* const NAMESPACE::NAME` holding INPUT's text
# (a raw string literal), so a figure measured at build time ships inside the binary.
file(READ "${INPUT}" text)
file(WRITE "${OUTPUT}.tmp"
     "// Generated from ${INPUT} by cmake/EmbedText.cmake; do not edit.\n"
     "namespace ${NAMESPACE} {\nextern const char* const ${NAME};\n"
     "const char* const ${NAME} = R\"embedded(${text})embedded\";\n}\n")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
