# SPDX-License-Identifier: Apache-2.0
# Sourced by t-contrib-lava.sh: lava_device FILE HOST KEY RESULTS_DIR writes
# a device dictionary as lava-server would render it from the "ssh" device
# type (base.jinja2 + ssh.jinja2) for a device at HOST:22 (root, KEY), its
# test results under RESULTS_DIR-<job id> instead of /lava-<job id>.
lava_device() {
	cat >"$1" <<YAML
device_type: ssh
constants:
  posix:
    lava_test_sh_cmd: /bin/sh
    lava_test_results_dir: $4-%s
    lava_test_shell_file: ~/.bashrc
  barebox:
    interrupt-prompt: 'Hit m for menu or any other key to stop autoboot'
    interrupt-character: "\n"
    final-message: 'Starting kernel'
    error-messages: []
  u-boot:
    interrupt-prompt: 'Hit any key to stop autoboot'
    interrupt-character: ' '
    interrupt_ctrl_list: []
    interrupt-newline: True
    final-message: 'Starting kernel'
    error-messages: []
    dfu-download: 'DOWNLOAD'
  grub:
    interrupt-prompt: 'for a command-line'
    interrupt-character: 'c'
    interrupt-newline: False
    error-messages: []
  grub-efi:
    interrupt-prompt: 'for a command-line'
    interrupt-character: 'c'
    error-messages: []
  ipxe:
    interrupt-prompt: 'Press Ctrl-B for the iPXE command line'
    interrupt_ctrl_list: ['b']
    error-messages: []
  shutdown-message: 'The system is going down for reboot NOW'
  kernel-start-message: 'Linux version [0-9]'
  default-shell-prompt: 'lava-test: # '
  spawn_maxread: '4092'
  failure_retry: 1
  boot_retry: 1
parameters:
  pass:
actions:
  deploy:
    connections:
      serial:
      ssh:
    methods:
      ssh:
        options:
          - '-o'
          - 'Compression=yes'
          - '-o'
          - 'PasswordAuthentication=no'
          - '-o'
          - 'LogLevel=FATAL'
          - '-o'
          - 'StrictHostKeyChecking=no'
          - '-o'
          - 'UserKnownHostsFile=/dev/null'
        host: "$2"
        port: 22
        user: "root"
        identity_file: "$3"
  boot:
    connections:
      serial:
      ssh:
    methods:
      ssh:
timeouts:
  actions:
    lava-test-shell:
      minutes: 10
  connections:
    lava-test-shell:
      seconds: 10
YAML
}
