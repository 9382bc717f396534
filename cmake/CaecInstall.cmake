# Install and export rules for caec (docs/guide.md, "Building against the installed package").
#
# Each library directory calls caec_install_library() for its targets; the top-level
# CMakeLists.txt calls caec_install_package() once, after every directory was added. That call
# rewrites the usage requirements that only make sense inside this tree, exports the targets
# (namespace caec::), writes caecConfig.cmake and the pkg-config files.
#
# Layout under the prefix:
#   include/caec/abi/*.h                   the ABI headers (#include "caec/abi/rmi.h")
#   include/caec/<dir>/*.h                 each library's headers (#include "realm/realm.h")
#   lib/libcaec_<name>.a                   static libraries
#   lib/caec/objects/objects-<CONFIG>/...  the shipped realm programs, as object files
#   lib/cmake/caec/                        the CMake package
#   lib/pkgconfig/caec*.pc                 pkg-config files
#   bin/caec                               the CLI
# Installed targets see include/ and include/caec, so both "realm/realm.h" (the tree's style)
# and "caec/realm/realm.h" work.
#
# Components: Development (headers, libraries, CMake package, pkg-config), RealmPrograms
# (csm-script and channel-stream objects, their own export set), Runtime (the caec CLI).

include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(CAEC_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/caec")
set(CAEC_INSTALL_OBJECTDIR "${CMAKE_INSTALL_LIBDIR}/caec/objects")
set(CAEC_INSTALL_PKGCONFIGDIR "${CMAKE_INSTALL_LIBDIR}/pkgconfig")

# External link items of exported targets, and how an installed consumer gets each:
#   <item in this build>|<what the exported target links>|<pkg-config module, or -l flag>
# caecConfig.cmake.in finds or defines the second column (find_dependency / find_library).
set(CAEC_EXTERNAL_DEPENDENCIES
    "OpenSSL::Crypto|OpenSSL::Crypto|libcrypto"
    "nlohmann_json::nlohmann_json|nlohmann_json::nlohmann_json|nlohmann_json"
    "cbor|caec::cbor|libcbor")

# caec_install_library(<target>... [HEADER_DIR <dir>] [HEADER_DESTINATION <dir>])
#   Installs and exports the targets (export name: the target's name without "caec_") and the
#   *.h files of HEADER_DIR (default: this directory, not its subdirectories unless RECURSIVE) into
#   include/HEADER_DESTINATION (default: include/caec/<this directory>). OBJECT libraries are
#   realm programs: their objects go to the RealmPrograms component and export set.
function(caec_install_library)
  cmake_parse_arguments(arg "RECURSIVE" "HEADER_DIR;HEADER_DESTINATION" "" ${ARGN})
  file(RELATIVE_PATH here "${PROJECT_SOURCE_DIR}" "${CMAKE_CURRENT_SOURCE_DIR}")
  if(NOT arg_HEADER_DIR)
    set(arg_HEADER_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  endif()
  if(NOT arg_HEADER_DESTINATION)
    set(arg_HEADER_DESTINATION "caec/${here}")
  endif()

  foreach(target IN LISTS arg_UNPARSED_ARGUMENTS)
    string(REGEX REPLACE "^caec_" "" export_name "${target}")
    set_target_properties(${target} PROPERTIES EXPORT_NAME "${export_name}")
    get_target_property(type ${target} TYPE)
    if(type STREQUAL "OBJECT_LIBRARY")
      install(TARGETS ${target} EXPORT caec-programs-targets
              OBJECTS DESTINATION "${CAEC_INSTALL_OBJECTDIR}" COMPONENT RealmPrograms)
      set_property(GLOBAL APPEND PROPERTY CAEC_INSTALLED_PROGRAMS ${target})
    else()
      install(TARGETS ${target} EXPORT caec-targets
              ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT Development
              INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
                                   "${CMAKE_INSTALL_INCLUDEDIR}/caec")
      set_property(GLOBAL APPEND PROPERTY CAEC_INSTALLED_LIBRARIES ${target})
    endif()
    set_property(GLOBAL APPEND PROPERTY CAEC_INSTALLED_TARGETS ${target})
  endforeach()

  if(arg_RECURSIVE)  # the headers of the subdirectories too, in their subdirectories
    install(DIRECTORY "${arg_HEADER_DIR}/" DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/${arg_HEADER_DESTINATION}"
            COMPONENT Development FILES_MATCHING PATTERN "*.h" PATTERN "*_test*.h" EXCLUDE)
    return()
  endif()
  file(GLOB headers CONFIGURE_DEPENDS "${arg_HEADER_DIR}/*.h")
  list(FILTER headers EXCLUDE REGEX "_test[^/]*\\.h$")
  if(headers)
    install(FILES ${headers} DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/${arg_HEADER_DESTINATION}"
            COMPONENT Development)
  endif()
endfunction()

# The CAEC_EXTERNAL_DEPENDENCIES entry of a build link item (without $<LINK_ONLY:>): sets
# <out>_INSTALL and <out>_PKGCONFIG, both empty when the item is not an external dependency.
function(_caec_external_dependency item out)
  set(external ${CAEC_EXTERNAL_DEPENDENCIES})
  if(CAEC_MBEDCRYPTO_LIB)  # channel/sealed: find_library(CAEC_MBEDCRYPTO_LIB mbedcrypto)
    list(APPEND external "${CAEC_MBEDCRYPTO_LIB}|caec::mbedcrypto|-lmbedcrypto")
  endif()
  if(CAEC_SODIUM_LIB)  # channel/sealed: find_library(CAEC_SODIUM_LIB sodium)
    list(APPEND external "${CAEC_SODIUM_LIB}|caec::sodium|-lsodium")
  endif()
  set(${out}_INSTALL "" PARENT_SCOPE)
  set(${out}_PKGCONFIG "" PARENT_SCOPE)
  foreach(dep IN LISTS external)
    string(REPLACE "|" ";" dep "${dep}")
    list(GET dep 0 build_item)
    if(item STREQUAL build_item)
      list(GET dep 1 install_item)
      list(GET dep 2 pkgconfig)
      set(${out}_INSTALL "${install_item}" PARENT_SCOPE)
      set(${out}_PKGCONFIG "${pkgconfig}" PARENT_SCOPE)
      return()
    endif()
  endforeach()
endfunction()

# The exported form of one link item of an installed target (a list of 0-2 items), or a fatal
# error naming what to add here when the installed package could not provide it.
function(_caec_export_link_item target item out)
  set(inner "${item}")
  if(item MATCHES "^\\$<LINK_ONLY:(.*)>$")
    set(inner "${CMAKE_MATCH_1}")
  endif()
  get_property(installed GLOBAL PROPERTY CAEC_INSTALLED_TARGETS)
  if(inner IN_LIST installed)
    set(${out} "${item}" PARENT_SCOPE)
    return()
  endif()
  _caec_external_dependency("${inner}" dep)
  if(dep_INSTALL)
    string(REPLACE "${inner}" "${dep_INSTALL}" installed_item "${item}")
    set(${out} "$<BUILD_INTERFACE:${item}>;$<INSTALL_INTERFACE:${installed_item}>" PARENT_SCOPE)
    return()
  endif()
  if(TARGET "${inner}")
    get_target_property(inner_type ${inner} TYPE)
    get_target_property(inner_imported ${inner} IMPORTED)
    get_target_property(inner_links ${inner} INTERFACE_LINK_LIBRARIES)
    # Build-only settings (caec_warnings: -Wall ... -Werror) never reach the package.
    if(inner_type STREQUAL "INTERFACE_LIBRARY" AND NOT inner_imported AND NOT inner_links)
      set(${out} "$<BUILD_INTERFACE:${item}>" PARENT_SCOPE)
      return()
    endif()
  endif()
  message(FATAL_ERROR
    "caec install: ${target} links '${inner}', which the installed package cannot provide. "
    "Install that target with caec_install_library(), or add it to CAEC_EXTERNAL_DEPENDENCIES "
    "in cmake/CaecInstall.cmake and find it in cmake/caecConfig.cmake.in.")
endfunction()

# What a pkg-config file says for one direct link item: "Requires:<module>", "Libs:<flag>" or
# nothing (build-only targets).
function(_caec_pkgconfig_item item out)
  string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" item "${item}")
  get_property(installed GLOBAL PROPERTY CAEC_INSTALLED_TARGETS)
  _caec_external_dependency("${item}" dep)
  if(item IN_LIST installed)
    string(REGEX REPLACE "^caec_" "caec-" module "${item}")
    string(REPLACE "_" "-" module "${module}")
    set(${out} "Requires:${module}" PARENT_SCOPE)
  elseif(dep_PKGCONFIG MATCHES "^-")
    set(${out} "Libs:${dep_PKGCONFIG}" PARENT_SCOPE)
  elseif(dep_PKGCONFIG)
    set(${out} "Requires:${dep_PKGCONFIG}" PARENT_SCOPE)
  else()
    set(${out} "" PARENT_SCOPE)
  endif()
endfunction()

# Requires and Libs of a target's pkg-config file: every direct dependency, PUBLIC or PRIVATE
# (static libraries need them all at link time).
function(_caec_pkgconfig_deps target requires_out libs_out)
  get_target_property(links ${target} LINK_LIBRARIES)
  get_target_property(ilinks ${target} INTERFACE_LINK_LIBRARIES)
  set(requires "")
  set(libs "")
  foreach(item IN LISTS links ilinks)
    if(NOT item OR item MATCHES "-NOTFOUND$")
      continue()
    endif()
    _caec_pkgconfig_item("${item}" entry)
    if(entry MATCHES "^Requires:(.*)")
      list(APPEND requires "${CMAKE_MATCH_1}")
    elseif(entry MATCHES "^Libs:(.*)")
      list(APPEND libs "${CMAKE_MATCH_1}")
    endif()
  endforeach()
  list(REMOVE_DUPLICATES requires)
  list(REMOVE_DUPLICATES libs)
  list(JOIN requires ", " requires)
  list(JOIN libs " " libs)
  set(${requires_out} "${requires}" PARENT_SCOPE)
  set(${libs_out} "${libs}" PARENT_SCOPE)
endfunction()

function(_caec_write_pkgconfig file name description requires libs)
  set(PC_NAME "${name}")
  set(PC_DESCRIPTION "${description}")
  set(PC_REQUIRES "${requires}")
  set(PC_LIBS "${libs}")
  configure_file("${PROJECT_SOURCE_DIR}/cmake/caec.pc.in" "${file}" @ONLY)
endfunction()

# Call once, after every directory was added.
function(caec_install_package)
  get_property(libraries GLOBAL PROPERTY CAEC_INSTALLED_LIBRARIES)
  get_property(programs GLOBAL PROPERTY CAEC_INSTALLED_PROGRAMS)

  # 1. Usage requirements that point into this tree or at build-only targets.
  foreach(target IN LISTS libraries programs)
    get_target_property(dirs ${target} INTERFACE_INCLUDE_DIRECTORIES)
    if(dirs)
      set(fixed "")
      foreach(dir IN LISTS dirs)
        cmake_path(IS_PREFIX PROJECT_SOURCE_DIR "${dir}" NORMALIZE in_source)
        cmake_path(IS_PREFIX PROJECT_BINARY_DIR "${dir}" NORMALIZE in_build)
        if(in_source OR in_build)
          set(dir "$<BUILD_INTERFACE:${dir}>")
        endif()
        list(APPEND fixed "${dir}")
      endforeach()
      set_target_properties(${target} PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${fixed}")
    endif()
    get_target_property(links ${target} INTERFACE_LINK_LIBRARIES)
    if(links)
      set(fixed "")
      foreach(item IN LISTS links)
        _caec_export_link_item(${target} "${item}" exported)
        list(APPEND fixed ${exported})
      endforeach()
      set_target_properties(${target} PROPERTIES INTERFACE_LINK_LIBRARIES "${fixed}")
    endif()
  endforeach()

  # 2. The CMake package.
  install(EXPORT caec-targets NAMESPACE caec:: DESTINATION "${CAEC_INSTALL_CMAKEDIR}"
          COMPONENT Development)
  install(EXPORT caec-programs-targets NAMESPACE caec:: DESTINATION "${CAEC_INSTALL_CMAKEDIR}"
          COMPONENT RealmPrograms)
  list(TRANSFORM libraries REPLACE "^caec_" "caec::" OUTPUT_VARIABLE CAEC_PACKAGE_LIBRARIES)
  configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/caecConfig.cmake.in"
    "${PROJECT_BINARY_DIR}/caec-package/caecConfig.cmake"
    INSTALL_DESTINATION "${CAEC_INSTALL_CMAKEDIR}")
  write_basic_package_version_file("${PROJECT_BINARY_DIR}/caec-package/caecConfigVersion.cmake"
    COMPATIBILITY SameMinorVersion)
  install(FILES "${PROJECT_BINARY_DIR}/caec-package/caecConfig.cmake"
                "${PROJECT_BINARY_DIR}/caec-package/caecConfigVersion.cmake"
          DESTINATION "${CAEC_INSTALL_CMAKEDIR}" COMPONENT Development)

  # 3. pkg-config: caec-<name>.pc per library, caec.pc for all of them, caec-programs.pc.
  file(RELATIVE_PATH CAEC_PC_TO_PREFIX "/prefix/${CAEC_INSTALL_PKGCONFIGDIR}" "/prefix")
  string(REGEX REPLACE "/$" "" CAEC_PC_TO_PREFIX "${CAEC_PC_TO_PREFIX}")
  set(pcdir "${PROJECT_BINARY_DIR}/caec-package/pkgconfig")
  set(all_modules "")
  foreach(target IN LISTS libraries)
    _caec_pkgconfig_item(${target} entry)
    string(REGEX REPLACE "^Requires:" "" module "${entry}")
    list(APPEND all_modules "${module}")
    _caec_pkgconfig_deps(${target} requires libs)
    get_target_property(type ${target} TYPE)
    if(NOT type STREQUAL "INTERFACE_LIBRARY")
      string(STRIP "-L\${libdir} -l${target} ${libs}" libs)
    endif()
    _caec_write_pkgconfig("${pcdir}/${module}.pc" "${module}" "caec library ${target}"
                          "${requires}" "${libs}")
    install(FILES "${pcdir}/${module}.pc" DESTINATION "${CAEC_INSTALL_PKGCONFIGDIR}"
            COMPONENT Development)
  endforeach()
  list(JOIN all_modules ", " requires)
  _caec_write_pkgconfig("${pcdir}/caec.pc" "caec" "caec: every library" "${requires}" "")
  install(FILES "${pcdir}/caec.pc" DESTINATION "${CAEC_INSTALL_PKGCONFIGDIR}"
          COMPONENT Development)

  # The realm programs' objects, under the directory install(TARGETS ... OBJECTS) uses.
  set(objects "")
  set(requires "")
  foreach(target IN LISTS programs)
    get_target_property(sources ${target} SOURCES)
    foreach(source IN LISTS sources)
      list(APPEND objects
           "\${libdir}/caec/objects/objects$<$<BOOL:$<CONFIG>>:-$<CONFIG>>/${target}/${source}.o")
    endforeach()
    _caec_pkgconfig_deps(${target} program_requires unused)
    list(APPEND requires "${program_requires}")
  endforeach()
  list(JOIN objects " " PC_LIBS)
  list(JOIN requires ", " PC_REQUIRES)
  set(PC_NAME "caec-programs")
  set(PC_DESCRIPTION "caec's shipped realm programs (csm-script, channel-stream) as objects")
  file(READ "${PROJECT_SOURCE_DIR}/cmake/caec.pc.in" template)
  string(CONFIGURE "${template}" content @ONLY)
  file(GENERATE OUTPUT "${pcdir}/$<CONFIG>/caec-programs.pc" CONTENT "${content}")
  install(FILES "${pcdir}/$<CONFIG>/caec-programs.pc" DESTINATION "${CAEC_INSTALL_PKGCONFIGDIR}"
          COMPONENT RealmPrograms)
endfunction()
